import { createHash } from "node:crypto";
import type { DbName } from "../core/cluster.js";

/**
 * What a node image is made of, as data. Pure: the builders (offline.ts, online.ts) turn a definition into an
 * image; this module decides package lists, suites, tags and the hash that makes a changed definition rebuild.
 */

export const IMAGE_REPO = "splitbrain-node";

export const SUITES = ["bookworm", "trixie", "sid"] as const;
export type Suite = (typeof SUITES)[number];
export type Route = "offline" | "online";

export const ENGINES: readonly DbName[] = ["redis", "valkey", "dragonfly"];

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
    if (m) return m[1]!.trim().split(/\s+/).filter((p) => p.length > 0);
  }
  return [];
}

/**
 * Debian packages per engine. Dragonfly is not packaged: it comes from --binary; redis-tools gives redis-cli, and
 * redis-sentinel is there because Dragonfly has no Sentinel of its own: in sentinel topology Redis Sentinels watch
 * the Dragonfly nodes, and every node of a run starts from one image.
 */
export const ENGINE_PACKAGES: Record<DbName, readonly string[]> = {
  redis: ["redis-server", "redis-sentinel", "redis-tools"],
  valkey: ["valkey-server", "valkey-sentinel", "valkey-tools"],
  dragonfly: ["redis-sentinel", "redis-tools"],
};

/** The server binary whose `--version` names the image's version. */
export const SERVER_BINARY: Record<DbName, string> = {
  redis: "redis-server",
  valkey: "valkey-server",
  dragonfly: "/usr/local/bin/dragonfly",
};

/**
 * Engine versions each Debian suite carried when measured here (see issue 10). Only used to choose a suite for a
 * requested `--version`; the built image's label always records the version the binary itself reports.
 */
export const DEBIAN_CARRIES: Record<Suite, Partial<Record<DbName, string>>> = {
  bookworm: { redis: "7.0.15", valkey: "8.0.1" },
  trixie: { redis: "8.0.2", valkey: "8.1.1" },
  sid: { redis: "8.0.6", valkey: "9.1.2" },
};

/**
 * Suites of the same archive an engine's packages come from on top of the base suite: bookworm's Valkey is in
 * bookworm-backports only. debootstrap takes each package from the first suite that has it, so everything else
 * still comes from the base suite.
 */
export const EXTRA_SUITES: Partial<Record<DbName, Partial<Record<Suite, readonly string[]>>>> = {
  valkey: { bookworm: ["bookworm-backports"] },
};

const DEFAULT_SUITE: Record<DbName, Suite> = { redis: "bookworm", valkey: "trixie", dragonfly: "bookworm" };

export function isSuite(s: string): s is Suite {
  return (SUITES as readonly string[]).includes(s);
}

export function isEngine(s: string): s is DbName {
  return (ENGINES as readonly string[]).includes(s);
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
export function chooseSuite(db: DbName, opts: { suite?: string; version?: string }): Suite | { error: string } {
  if (opts.suite !== undefined) {
    if (!isSuite(opts.suite)) return { error: `unknown Debian suite "${opts.suite}" (choose ${SUITES.join(", ")})` };
    return opts.suite;
  }
  if (opts.version === undefined || db === "dragonfly") return DEFAULT_SUITE[db];
  for (const suite of SUITES) {
    const carried = DEBIAN_CARRIES[suite][db];
    if (carried && versionMatches(opts.version, carried)) return suite;
  }
  const offered = SUITES.flatMap((s) => (DEBIAN_CARRIES[s][db] ? [`${DEBIAN_CARRIES[s][db]} (${s})`] : []));
  return {
    error: `no Debian suite known to carry ${db} ${opts.version}; offline builds offer ${offered.join(", ") || "none"}`,
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

export function offlineDefinition(db: DbName, suite: Suite, binarySha256?: string): OfflineDefinition {
  const packages = [...new Set([...NODE_PACKAGES, ...ENGINE_PACKAGES[db]])].sort();
  const extra = EXTRA_SUITES[db]?.[suite];
  return {
    route: "offline",
    db,
    suite,
    packages,
    ...(extra?.length ? { extraSuites: [...extra] } : {}),
    ...(binarySha256 ? { binarySha256 } : {}),
  };
}

/** Official images: what the online route builds on. */
export function officialImage(db: DbName, version = "latest"): string {
  switch (db) {
    case "redis":
      return `redis:${version}`;
    case "valkey":
      return `valkey/valkey:${version}`;
    case "dragonfly":
      return `docker.dragonflydb.io/dragonflydb/dragonfly:${version === "latest" ? "latest" : `v${version.replace(/^v/, "")}`}`;
  }
}

/**
 * A short hash of everything that shapes the image: the definition plus the contents of the node-side files that
 * go into it (docker/node/*, the Dockerfile). A change to any of them gives a new hash, so the image is rebuilt.
 */
export function definitionHash(def: ImageDefinition, files: ReadonlyArray<{ path: string; content: string | Buffer }>): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(def));
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    h.update("\0" + f.path + "\0");
    h.update(f.content);
  }
  return h.digest("hex").slice(0, 12);
}

/** e.g. splitbrain-node:redis-7.0.15-bookworm, splitbrain-node:redis-7.2.4-official */
export function imageTag(db: DbName, version: string, def: ImageDefinition): string {
  const flavour = def.route === "offline" ? def.suite : "official";
  return `${IMAGE_REPO}:${db}-${version}-${flavour}`.replace(/[^A-Za-z0-9_.:/-]/g, "_");
}

/** Pulls "7.0.15" out of `redis-server --version`, `valkey-server --version` or `dragonfly --version` output. */
export function parseServerVersion(output: string): string | undefined {
  // Dragonfly colours its version even when stdout is not a terminal.
  output = output.replace(/\x1b\[[0-9;]*m/g, "");
  const m = /\bv=(\d+\.\d+\.\d+)/.exec(output) ?? /\bv(\d+\.\d+\.\d+)/.exec(output);
  return m?.[1];
}
