import { describe, expect, it } from "vitest";
import { ENGINES } from "../../src/db/engines.js";
import {
  chooseSuite,
  definitionHash,
  imageTag,
  missingDebs,
  offlineDefinition,
  parseServerVersion,
  versionMatches,
} from "../../src/image/definition.js";
import { parseDeb822, parseSourcesList, pickDebianMirror } from "../../src/image/mirror.js";

describe("node image definitions", () => {
  it("reads versions the way each server prints them", () => {
    expect(parseServerVersion("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=abc")).toBe(
      "7.0.15",
    );
    expect(parseServerVersion("Valkey server v=8.1.1 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64")).toBe("8.1.1");
    expect(parseServerVersion("dragonfly v1.40.1-434478e00c36\nbuild time: ...")).toBe("1.40.1");
    expect(
      parseServerVersion("dragonfly \x1b[0;32mv1.40.1-434478e00c36\x1b[m build time: \x1b[0;33m2026-11-23\x1b[m"),
    ).toBe("1.40.1");
    expect(parseServerVersion("command not found")).toBeUndefined();
  });

  it("matches versions by prefix of components, not of characters", () => {
    expect(versionMatches("7", "7.0.15")).toBe(true);
    expect(versionMatches("7.0", "7.0.15")).toBe(true);
    expect(versionMatches("7.0.15", "7.0.15")).toBe(true);
    expect(versionMatches("7.0.1", "7.0.15")).toBe(false);
    expect(versionMatches("8", "7.0.15")).toBe(false);
  });

  it("chooses the suite from --suite, then from the version asked for, then the engine's default", () => {
    expect(chooseSuite(ENGINES.redis.image, {})).toBe("bookworm");
    expect(chooseSuite(ENGINES.valkey.image, {})).toBe("trixie");
    expect(chooseSuite(ENGINES.redis.image, { version: "8.0" })).toBe("trixie");
    expect(chooseSuite(ENGINES.valkey.image, { version: "9" })).toBe("sid");
    expect(chooseSuite(ENGINES.redis.image, { suite: "sid", version: "7.0" })).toBe("sid");
    const none = chooseSuite(ENGINES.redis.image, { version: "6.2" });
    expect(none).toEqual({ error: expect.stringContaining("7.0.15 (bookworm)") });
    expect(chooseSuite(ENGINES.valkey.image, { suite: "bookworm" })).toBe("bookworm");
    expect(chooseSuite(ENGINES.valkey.image, { version: "8.0" })).toBe("bookworm");
    expect(offlineDefinition(ENGINES.valkey.image, "bookworm").extraSuites).toEqual(["bookworm-backports"]);
    // Definitions without extra suites keep their shape, so images built before stay up to date.
    expect("extraSuites" in offlineDefinition(ENGINES.valkey.image, "trixie")).toBe(false);
    expect(chooseSuite(ENGINES.redis.image, { suite: "jessie" })).toEqual({
      error: expect.stringContaining("unknown Debian suite"),
    });
  });

  it("puts the node tools and the engine's packages in an offline image, sorted and unique", () => {
    const redis = offlineDefinition(ENGINES.redis.image, "bookworm");
    expect(redis.packages).toEqual([
      "fuse3",
      "iproute2",
      "iptables",
      "procps",
      "python3-fusepy",
      "redis-sentinel",
      "redis-server",
      "redis-tools",
      "tini",
    ]);
    expect(offlineDefinition(ENGINES.dragonfly.image, "bookworm", "ab").packages).not.toContain("redis-server");
  });

  it("changes the hash when the definition or any node file changes, and not otherwise", () => {
    const def = offlineDefinition(ENGINES.redis.image, "bookworm");
    const files = [
      { path: "setup.sh", content: "echo a" },
      { path: "x", content: "1" },
    ];
    const h = definitionHash(def, files);
    expect(definitionHash(def, [...files].reverse())).toBe(h);
    expect(definitionHash(def, [{ path: "setup.sh", content: "echo b" }, files[1]!])).not.toBe(h);
    expect(definitionHash(offlineDefinition(ENGINES.redis.image, "trixie"), files)).not.toBe(h);
    expect(definitionHash(offlineDefinition(ENGINES.dragonfly.image, "bookworm", "aa"), files)).not.toBe(
      definitionHash(offlineDefinition(ENGINES.dragonfly.image, "bookworm", "bb"), files),
    );
  });

  it("tags images by engine, version and where they came from", () => {
    expect(imageTag("redis", "7.0.15", offlineDefinition(ENGINES.redis.image, "bookworm"))).toBe(
      "splitbrain-node:redis-7.0.15-bookworm",
    );
    expect(imageTag("redis", "7.2.4", { route: "online", db: "redis", baseImage: "redis:7.2.4" })).toBe(
      "splitbrain-node:redis-7.2.4-official",
    );
    expect(ENGINES.valkey.image.officialImage("8.1")).toBe("valkey/valkey:8.1");
    expect(ENGINES.dragonfly.image.officialImage("1.40.1")).toMatch(/dragonfly:v1\.40\.1$/);
  });
});

describe("apt sources", () => {
  const deb822 = [
    "Types: deb",
    "# a comment",
    "URIs: http://mirror.example/debian",
    "Suites: bookworm bookworm-updates",
    "Components: main",
    "",
    "Types: deb",
    "URIs: http://mirror.example/debian-security",
    "Suites: bookworm-security",
    "Components: main",
    "",
    "Types: deb-src",
    "URIs: http://src.example/debian",
    "Suites: bookworm",
    "Components: main",
  ].join("\n");

  it("reads deb822 stanzas and picks the main archive, not security or sources", () => {
    const sources = parseDeb822(deb822);
    expect(sources.map((s) => s.uri)).toEqual([
      "http://mirror.example/debian",
      "http://mirror.example/debian-security",
    ]);
    expect(pickDebianMirror(sources)).toBe("http://mirror.example/debian");
    expect(pickDebianMirror(parseDeb822(deb822.split("\n\n").slice(1).join("\n\n")))).toBeUndefined();
  });

  it("reads one-line sources.list entries with options and comments", () => {
    const list = [
      "# deb http://old.example/debian bookworm main",
      "deb http://security.example/debian-security bookworm-security main",
      "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ bookworm main contrib",
      "deb-src http://mirror.example/debian bookworm main",
    ].join("\n");
    const sources = parseSourcesList(list);
    expect(sources).toHaveLength(2);
    expect(pickDebianMirror(sources)).toBe("http://mirror.example/debian");
  });

  it("skips disabled stanzas", () => {
    expect(
      parseDeb822("Types: deb\nEnabled: no\nURIs: http://a.example/debian\nSuites: sid\nComponents: main"),
    ).toEqual([]);
  });
});

describe("debootstrap's list of packages a suite lacks", () => {
  it('reads the names after "Couldn\'t find these debs", so an optional one can be dropped and the build retried', () => {
    const tail = [
      "I: Checking component main on http://mirror.invalid/debian...",
      "E: Couldn't find these debs: python3-fusepy",
    ];
    expect(missingDebs(tail)).toEqual(["python3-fusepy"]);
    expect(missingDebs(["E: Couldn't find these debs: python3-fusepy  tini"])).toEqual(["python3-fusepy", "tini"]);
    expect(missingDebs(["E: Failed getting release file"])).toEqual([]);
  });
});
