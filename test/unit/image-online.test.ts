import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/exit.js";
import { checkRegistry, inRegistry } from "../../src/image/online.js";

describe("the official image's name in another registry", () => {
  it("prefixes a Docker Hub name, official or namespaced", () => {
    expect(inRegistry("redis:7.0.15", "localhost:5000")).toBe("localhost:5000/redis:7.0.15");
    expect(inRegistry("valkey/valkey:8.1", "127.0.0.1:5000/")).toBe("127.0.0.1:5000/valkey/valkey:8.1");
  });

  it("replaces a name's own registry host, keeping its path", () => {
    expect(inRegistry("localhost:6000/team/db:v1", "127.0.0.1:5000")).toBe("127.0.0.1:5000/team/db:v1");
    expect(inRegistry("localhost/db:1", "127.0.0.1:5000/mirror")).toBe("127.0.0.1:5000/mirror/db:1");
  });
});

describe("--registry values", () => {
  it("takes host, host:port and a path prefix", () => {
    for (const ok of ["localhost:5000", "127.0.0.1:5000", "localhost", "localhost:5000/mirror"]) {
      expect(() => checkRegistry(ok)).not.toThrow();
    }
  });

  it("refuses a URL with a hint without the scheme, and anything else that is not a host", () => {
    expect(() => checkRegistry("http://localhost:5000")).toThrow(UsageError);
    try {
      checkRegistry("http://localhost:5000");
    } catch (e) {
      expect((e as UsageError).hint).toContain("--registry localhost:5000");
    }
    expect(() => checkRegistry("local host")).toThrow(/not a registry host/);
    expect(() => checkRegistry("")).toThrow(UsageError);
  });
});
