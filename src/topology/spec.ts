import type { DbName, TopologyName } from "../core/cluster.js";
import { dataSizeBytes, isRedisSize } from "./sizes.js";

/**
 * What the user asked for, resolved and validated before any container exists: the engine, the shape it runs in
 * production, the fault-detection timings, and the durability settings people audit. Pure data; the Db adapters
 * render it into config files and flags.
 */
export interface ClusterSpec extends EngineSpecs {
  db: DbName;
  /** Database version tag (`--version`), or undefined for the node image's default. */
  version: string | undefined;
  /** Node image override (`--image`). */
  image: string | undefined;
  topology: TopologyName;
  /** Replicas per primary (per shard in cluster topology). */
  replicas: number;
  sentinel: SentinelSpec;
  /** Redis Cluster's cluster-node-timeout, in milliseconds. */
  clusterNodeTimeoutMs: number;
  /** Size of each node's data tmpfs, as typed (e.g. `256m`) and in bytes. */
  dataSize: string;
  dataSizeBytes: number;
  /** Container memory limit of each data node (`--memory-limit`), as typed; absent = no limit. */
  memoryLimit?: string;
  settings: DurabilitySettings;
}

/**
 * Options only one engine reads, under the engine's name: each engine folder that has any adds its part to this
 * interface (src/db/<engine>/options.ts, `declare module`), so this module names none.
 */
// biome-ignore lint/suspicious/noEmptyInterface: engines add their parts by declaration merging, which a type cannot take
export interface EngineSpecs {}

/** The spec without the engines' own parts: what this module can fill in by itself. */
export type GenericSpec = Omit<ClusterSpec, keyof EngineSpecs>;

export interface SentinelSpec {
  count: number;
  /** Sentinels run inside data nodes instead of on their own nodes. */
  colocated: boolean;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
}

export type AppendFsync = "always" | "everysec" | "no";

export const MAXMEMORY_POLICIES = [
  "noeviction",
  "allkeys-lru",
  "allkeys-lfu",
  "allkeys-random",
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
] as const;
export type MaxmemoryPolicy = (typeof MAXMEMORY_POLICIES)[number];

/** The settings users audit. Undefined means "the engine's default": we write nothing for it. */
export interface DurabilitySettings {
  appendonly: boolean | undefined;
  appendfsync: AppendFsync | undefined;
  /** Redis `save` points, e.g. `900 1 300 10`; the empty string disables RDB snapshots. */
  save: string | undefined;
  minReplicasToWrite: number | undefined;
  minReplicasMaxLag: number | undefined;
  maxmemory: string | undefined;
  maxmemoryPolicy: MaxmemoryPolicy | undefined;
  replBacklogSize: string | undefined;
  /** `--redis-conf key=value`, in the order given; written after everything else so they win. */
  extra: Array<[string, string]>;
}

export const SENTINEL_DEFAULTS = { count: 3, downAfterMs: 3000, failoverTimeoutMs: 10_000 } as const;
export const CLUSTER_NODE_TIMEOUT_DEFAULT_MS = 5000;
export const DATA_SIZE_DEFAULT = "256m";
/** Shards in cluster topology: the smallest Redis Cluster that keeps a majority of primaries after one loss. */
export const CLUSTER_SHARDS = 3;

export function defaultReplicas(topology: TopologyName): number {
  if (topology === "single") return 0;
  if (topology === "cluster") return 1;
  return 2;
}

export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

export function emptySettings(): DurabilitySettings {
  return {
    appendonly: undefined,
    appendfsync: undefined,
    save: undefined,
    minReplicasToWrite: undefined,
    minReplicasMaxLag: undefined,
    maxmemory: undefined,
    maxmemoryPolicy: undefined,
    replBacklogSize: undefined,
    extra: [],
  };
}

/** The generic part of a spec with every default filled in (src/db/spec.ts adds the engines' parts). */
export function defaultGenericSpec(
  partial: Partial<ClusterSpec> & { db?: DbName; topology?: TopologyName } = {},
): GenericSpec {
  const topology = partial.topology ?? "sentinel";
  const count = partial.sentinel?.count ?? SENTINEL_DEFAULTS.count;
  return {
    db: partial.db ?? "redis",
    version: partial.version,
    image: partial.image,
    topology,
    replicas: partial.replicas ?? defaultReplicas(topology),
    sentinel: partial.sentinel ?? {
      count,
      colocated: false,
      quorum: majority(count),
      downAfterMs: SENTINEL_DEFAULTS.downAfterMs,
      failoverTimeoutMs: SENTINEL_DEFAULTS.failoverTimeoutMs,
    },
    clusterNodeTimeoutMs: partial.clusterNodeTimeoutMs ?? CLUSTER_NODE_TIMEOUT_DEFAULT_MS,
    dataSize: partial.dataSize ?? DATA_SIZE_DEFAULT,
    dataSizeBytes: partial.dataSizeBytes ?? dataSizeBytes(partial.dataSize ?? DATA_SIZE_DEFAULT) ?? 256 * 1024 ** 2,
    settings: partial.settings ?? emptySettings(),
  };
}

/**
 * Keys `--redis-conf` may not set, because the tool owns them (addresses, files, roles) and a user value would break
 * discovery, logs or teardown. Each maps to what to use instead.
 */
export const MANAGED_REDIS_KEYS: Record<string, string> = {
  port: "the tool fixes ports so nodes can find each other",
  bind: "the tool binds every node to its network address",
  dir: "the data directory is the node's size-limited tmpfs (--data-size)",
  logfile: "the tool collects each node's log itself",
  pidfile: "the tool tracks the process itself",
  daemonize: "the tool runs the server in the foreground of its node",
  replicaof: "roles come from --topology and --replicas",
  slaveof: "roles come from --topology and --replicas",
  "cluster-enabled": "use --topology cluster",
  "cluster-config-file": "the tool owns the cluster state file",
  "cluster-node-timeout": "use --cluster-node-timeout",
  "cluster-announce-ip": "the tool sets announce addresses",
  "replica-announce-ip": "the tool sets announce addresses",
  appendonly: "use --appendonly",
  appendfsync: "use --appendfsync",
  save: "use --save",
  "min-replicas-to-write": "use --min-replicas-to-write",
  "min-replicas-max-lag": "use --min-replicas-max-lag",
  maxmemory: "use --maxmemory",
  "maxmemory-policy": "use --maxmemory-policy",
  "repl-backlog-size": "use --repl-backlog-size",
};

/**
 * Everything wrong with a spec that does not depend on the engine, each as a sentence saying what to do. Engine
 * refusals (Dragonfly has no AOF ...) come from the Db adapter.
 */
export function specProblems(spec: ClusterSpec): string[] {
  const out: string[] = [];
  const s = spec.settings;
  const intIn = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;

  if (!intIn(spec.replicas, 0, 9)) out.push(`--replicas must be a whole number from 0 to 9 (got ${spec.replicas}).`);
  if (spec.topology === "single" && spec.replicas > 0) {
    out.push(`--topology single has no replicas (got --replicas ${spec.replicas}); use --topology replicated.`);
  }
  if ((spec.topology === "replicated" || spec.topology === "sentinel") && spec.replicas < 1) {
    out.push(`--topology ${spec.topology} needs at least one replica (got --replicas ${spec.replicas}).`);
  }

  if (spec.topology === "sentinel") {
    const st = spec.sentinel;
    if (!intIn(st.count, 1, 7)) out.push(`--sentinels must be a whole number from 1 to 7 (got ${st.count}).`);
    else if (!intIn(st.quorum, 1, st.count)) {
      out.push(`--quorum must be from 1 to the number of Sentinels (${st.count}); got ${st.quorum}.`);
    }
    if (st.colocated && st.count > spec.replicas + 1) {
      out.push(
        `--sentinels-colocated puts one Sentinel on each data node, but there are ${spec.replicas + 1} data nodes ` +
          `for ${st.count} Sentinels; lower --sentinels or raise --replicas.`,
      );
    }
    if (!intIn(st.downAfterMs, 100, 600_000)) {
      out.push(`--down-after-ms must be from 100 to 600000 milliseconds (got ${st.downAfterMs}).`);
    }
    if (!intIn(st.failoverTimeoutMs, 1000, 3_600_000)) {
      out.push(`--failover-timeout-ms must be from 1000 to 3600000 milliseconds (got ${st.failoverTimeoutMs}).`);
    }
  }
  if (spec.topology === "cluster" && !intIn(spec.clusterNodeTimeoutMs, 100, 600_000)) {
    out.push(`--cluster-node-timeout must be from 100 to 600000 milliseconds (got ${spec.clusterNodeTimeoutMs}).`);
  }
  if (spec.memoryLimit !== undefined && !((dataSizeBytes(spec.memoryLimit) ?? 0) >= 64 * 1024 ** 2)) {
    out.push(`--memory-limit must be at least 64m, e.g. 512m or 1g (got "${spec.memoryLimit}").`);
  }
  if (!(spec.dataSizeBytes >= 16 * 1024 ** 2)) {
    out.push(`--data-size must be at least 16m, e.g. 256m or 1g (got "${spec.dataSize}").`);
  }

  if (s.appendfsync !== undefined && s.appendonly !== true) {
    out.push(`--appendfsync ${s.appendfsync} has no effect without --appendonly yes; add it or drop --appendfsync.`);
  }
  if (s.save !== undefined && !isSavePoints(s.save)) {
    out.push(
      `--save takes pairs "<seconds> <changes>", e.g. --save "900 1 300 10", or "" to turn RDB snapshots off ` +
        `(got "${s.save}").`,
    );
  }
  if (s.minReplicasToWrite !== undefined) {
    if (!intIn(s.minReplicasToWrite, 0, 9)) {
      out.push(`--min-replicas-to-write must be a whole number from 0 to 9 (got ${s.minReplicasToWrite}).`);
    } else if (s.minReplicasToWrite > spec.replicas) {
      out.push(
        `--min-replicas-to-write ${s.minReplicasToWrite} exceeds the ${spec.replicas} replica(s) per primary: ` +
          `every write would be refused. Raise --replicas or lower --min-replicas-to-write.`,
      );
    }
  }
  if (s.minReplicasMaxLag !== undefined && !intIn(s.minReplicasMaxLag, 1, 3600)) {
    out.push(`--min-replicas-max-lag must be a whole number of seconds from 1 to 3600 (got ${s.minReplicasMaxLag}).`);
  }
  if (s.minReplicasMaxLag !== undefined && !s.minReplicasToWrite) {
    out.push(`--min-replicas-max-lag only matters with --min-replicas-to-write 1 or more.`);
  }
  for (const [flag, v] of [
    ["--maxmemory", s.maxmemory],
    ["--repl-backlog-size", s.replBacklogSize],
  ] as const) {
    if (v !== undefined && !isRedisSize(v)) out.push(`${flag} takes a size such as 100mb or 1gb (got "${v}").`);
  }
  if (s.maxmemoryPolicy !== undefined && !(MAXMEMORY_POLICIES as readonly string[]).includes(s.maxmemoryPolicy)) {
    out.push(`--maxmemory-policy must be one of ${MAXMEMORY_POLICIES.join(", ")} (got "${s.maxmemoryPolicy}").`);
  }
  for (const [key, value] of s.extra) {
    if (!/^[a-z][a-z0-9-]*$/.test(key)) out.push(`--redis-conf key "${key}" is not a redis.conf directive name.`);
    else if (MANAGED_REDIS_KEYS[key]) out.push(`--redis-conf ${key}=... is not allowed: ${MANAGED_REDIS_KEYS[key]}.`);
    if (/[\r\n]/.test(value)) out.push(`--redis-conf ${key}: the value may not contain a line break.`);
  }

  return out;
}

/** Redis `save` syntax: empty (off) or an even number of positive integers. */
export function isSavePoints(text: string): boolean {
  const t = text.trim();
  if (t === "") return true;
  const parts = t.split(/\s+/);
  return parts.length % 2 === 0 && parts.every((p) => /^\d+$/.test(p) && Number(p) > 0);
}
