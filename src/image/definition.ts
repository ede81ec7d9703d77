import { createHash } from "node:crypto";
import type { DbName } from "../core/cluster.js";
import { type NodeImage, SUITES, type Suite } from "./nodeImage.js";

/**
 * What a node image is made of, as data. Pure: the builders (offline.ts, online.ts) turn a definition into an
 * image; this module decides package lists, suites, tags and the hash that makes a changed definition rebuild.
 */

export const IMAGE_REPO = "splitbrain-node";

export { SUITES, type Suite } from "./nodeImage.js";
export type Route = "offline" | "online";

/**
 * What every node needs to take faults, whatever the engine. tini is PID 1 (reaps killed servers); fuse3 and
 * python3-fusepy run the lazy filesystem (docker/node/lazyfs) the power-loss fault mounts the data directory through.
 */
export const NODE_PACKAGES = ["iptables", "iproute2", "procps", "tini", "fuse3", "python3-fusepy"] as const;

/**
 * Node packages an image can do without: only the power-loss fault needs them, and it checks for them when a run
 * asks for it. Debian sid carried no python3-fusepy when measured here, and Redis 8.0.6 and Valkey 9.1.2 are only in sid.
 */
export const OPTIONAL_NODE_PACKAGES: readonly string[] = ["python3-fusepy"];

/** The packages debootstrap names in "E: Couldn't find these debs: a b" (it stops at the first such list). */
export function missingDebs(lines: readonly string[]): string[] {
  for (const line of lines) {
    const m = /Couldn't find these debs:\s*(.*)$/.exec(line);
    if (m)
      return m[1]!
        .trim()
        .split(/\s+/)
        .filter((p) => p.length > 0);
  }
  return [];
}

export function isSuite(s: string): s is Suite {
  return (SUITES as readonly string[]).includes(s);
}

/** True when `actual` (e.g. "7.0.15") is what `wanted` asks for ("7", "7.0", "7.0.15"). */
export function versionMatches(wanted: string, actual: string): boolean {
  const w = wanted.replace(/^v/, "").split(".");
  const a = actual.replace(/^v/, "").split(".");
  return w.every((part, i) => a[i] === part);
}

/**
 * The suite an offline build uses: the one asked for, else the first suite known to carry the requested version,
 * else the engine's default. Returns an error message instead when no suite can provide the engine/version.
 */
export function chooseSuite(image: NodeImage, opts: { suite?: string; version?: string }): Suite | { error: string } {
  if (opts.suite !== undefined) {
    if (!isSuite(opts.suite)) return { error: `unknown Debian suite "${opts.suite}" (choose ${SUITES.join(", ")})` };
    return opts.suite;
  }
  // A server from --binary is whatever version it is: no suite carries it.
  if (opts.version === undefined || image.offlineBinary) return image.defaultSuite;
  for (const suite of SUITES) {
    const carried = image.debianCarries[suite];
    if (carried && versionMatches(opts.version, carried)) return suite;
  }
  const offered = SUITES.flatMap((s) => (image.debianCarries[s] ? [`${image.debianCarries[s]} (${s})`] : []));
  return {
    error: `no Debian suite known to carry ${image.engine} ${opts.version}; offline builds offer ${offered.join(", ") || "none"}`,
  };
}

export interface OfflineDefinition {
  route: "offline";
  db: DbName;
  suite: Suite;
  packages: string[];
  /** Further suites packages may come from (bookworm-backports); absent when none, so older hashes still hold. */
  extraSuites?: string[];
  /** sha256 of the --binary file (Dragonfly), part of the identity of the image. */
  binarySha256?: string;
}

export interface OnlineDefinition {
  route: "online";
  db: DbName;
  baseImage: string;
}

export type ImageDefinition = OfflineDefinition | OnlineDefinition;

export function offlineDefinition(image: NodeImage, suite: Suite, binarySha256?: string): OfflineDefinition {
  const packages = [...new Set([...NODE_PACKAGES, ...image.packages])].sort();
  const extra = image.extraSuites?.[suite];
  return {
    route: "offline",
    db: image.engine,
    suite,
    packages,
    ...(extra?.length ? { extraSuites: [...extra] } : {}),
    ...(binarySha256 ? { binarySha256 } : {}),
  };
}

/**
 * A short hash of everything that shapes the image: the definition plus the contents of the node-side files that
 * go into it (docker/node/*, the Dockerfile). A change to any of them gives a new hash, so the image is rebuilt.
 */
export function definitionHash(
  def: ImageDefinition,
  files: ReadonlyArray<{ path: string; content: string | Buffer }>,
): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(def));
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    h.update("\0" + f.path + "\0");
    h.update(f.content);
  }
  return h.digest("hex").slice(0, 12);
}

/** e.g. splitbrain-node:redis-7.0.15-bookworm, splitbrain-node:redis-7.2.4-official */
/** `flavour` overrides the tag's last part: an online build on an image other than the official one names itself. */
export function imageTag(db: DbName, version: string, def: ImageDefinition, flavour?: string): string {
  flavour ??= def.route === "offline" ? def.suite : "official";
  return `${IMAGE_REPO}:${db}-${version}-${flavour}`.replace(/[^A-Za-z0-9_.:/-]/g, "_");
}

/** Pulls "7.0.15" out of `redis-server --version`, `valkey-server --version` or `dragonfly --version` output. */
export function parseServerVersion(output: string): string | undefined {
  // Dragonfly colours its version even when stdout is not a terminal.
  output = output.replace(/\x1b\[[0-9;]*m/g, "");
  const m = /\bv=(\d+\.\d+\.\d+)/.exec(output) ?? /\bv(\d+\.\d+\.\d+)/.exec(output);
  return m?.[1];
}
