import { type Command, Option } from "commander";
import type { DbName, TopologyName } from "../core/cluster.js";
import { UsageError } from "../core/exit.js";
import {
  addEngineOptions,
  ENGINE_NAMES,
  engineOptionProblems,
  engineRefusals,
  engineSpecsFrom,
} from "../db/engines.js";
import { dataSizeBytes } from "../topology/sizes.js";
import {
  type AppendFsync,
  CLUSTER_NODE_TIMEOUT_DEFAULT_MS,
  type ClusterSpec,
  DATA_SIZE_DEFAULT,
  defaultReplicas,
  MAXMEMORY_POLICIES,
  type MaxmemoryPolicy,
  majority,
  SENTINEL_DEFAULTS,
  specProblems,
} from "../topology/spec.js";

export const DB_NAMES: readonly DbName[] = ENGINE_NAMES;
export const TOPOLOGIES: readonly TopologyName[] = ["single", "replicated", "sentinel", "cluster"];

/** The options as commander hands them over (camel-cased); everything is a string or undefined until parsed. */
export interface ClusterOptions {
  db?: string;
  version?: string;
  image?: string;
  topology?: string;
  replicas?: string;
  sentinels?: string;
  sentinelsColocated?: boolean;
  quorum?: string;
  downAfterMs?: string;
  failoverTimeoutMs?: string;
  clusterNodeTimeout?: string;
  dataSize?: string;
  memoryLimit?: string;
  appendonly?: string | boolean;
  appendfsync?: string;
  save?: string;
  minReplicasToWrite?: string;
  minReplicasMaxLag?: string;
  maxmemory?: string;
  maxmemoryPolicy?: string;
  replBacklogSize?: string;
  redisConf?: string[];
  /** Each engine's own options (src/db/<engine>/options.ts), as commander names them. */
  [engineOption: string]: unknown;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Adds the cluster and settings options to a command, so `run`, `compare` and `audit` share one definition.
 * Defaults are documented in the help text rather than set here, so a parsed value of undefined means "not given"
 * and option combinations that make no sense can be refused.
 */
export function addClusterOptions(cmd: Command): Command {
  return addEngineOptions(genericOptions(cmd));
}

function genericOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--db <engine>", "database engine (default: redis)").choices([...DB_NAMES]))
    .option("--version <tag>", "database version (default: the node image's)")
    .option("--image <ref>", "node image to use instead of the one splitbrain builds")
    .addOption(new Option("--topology <shape>", "how the database runs (default: sentinel)").choices([...TOPOLOGIES]))
    .option("--replicas <n>", "replicas per primary (default: 2; 1 per shard for cluster; 0 for single)")
    .option("--sentinels <n>", `number of Sentinels (default: ${SENTINEL_DEFAULTS.count})`)
    .option("--sentinels-colocated", "run Sentinels inside data nodes instead of on their own nodes")
    .option("--quorum <n>", "Sentinels that must agree a primary is down (default: a majority)")
    .option("--down-after-ms <ms>", `Sentinel down-after-milliseconds (default: ${SENTINEL_DEFAULTS.downAfterMs})`)
    .option("--failover-timeout-ms <ms>", `Sentinel failover-timeout (default: ${SENTINEL_DEFAULTS.failoverTimeoutMs})`)
    .option(
      "--cluster-node-timeout <ms>",
      `Redis Cluster cluster-node-timeout (default: ${CLUSTER_NODE_TIMEOUT_DEFAULT_MS})`,
    )
    .option("--data-size <size>", `size of each node's data tmpfs (default: ${DATA_SIZE_DEFAULT})`)
    .option(
      "--memory-limit <size>",
      "container memory limit of each data node, e.g. 512m (default: none); the data tmpfs counts against it",
    )
    .option("--appendonly [yes|no]", "AOF on or off (default: the engine's)")
    .addOption(new Option("--appendfsync <when>", "when the AOF is fsynced").choices(["always", "everysec", "no"]))
    .option("--save <points>", 'RDB save points, e.g. "900 1 300 10"; "" turns RDB off')
    .option("--min-replicas-to-write <n>", "refuse writes unless this many replicas are connected")
    .option("--min-replicas-max-lag <s>", "how recent (seconds) a replica's ack must be to count")
    .option("--maxmemory <size>", "memory limit, e.g. 100mb")
    .addOption(
      new Option("--maxmemory-policy <policy>", "what to do at the memory limit").choices([...MAXMEMORY_POLICIES]),
    )
    .option("--repl-backlog-size <size>", "replication backlog, e.g. 1mb")
    .option("--redis-conf <key=value>", "any other redis.conf directive (repeatable)", collect);
}

function int(flag: string, text: string | undefined, problems: string[]): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) {
    problems.push(`${flag} takes a whole number (got "${text}").`);
    return undefined;
  }
  return Number(text);
}

function pairs(flag: string, items: string[] | undefined, problems: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const item of items ?? []) {
    const i = item.indexOf("=");
    if (i <= 0) {
      problems.push(`${flag} takes key=value (got "${item}").`);
      continue;
    }
    out.push([item.slice(0, i).trim(), item.slice(i + 1).trim()]);
  }
  return out;
}

function yesNo(text: string | boolean | undefined, problems: string[]): boolean | undefined {
  if (text === undefined || typeof text === "boolean") return text;
  const t = text.toLowerCase();
  if (["yes", "true", "on", "1"].includes(t)) return true;
  if (["no", "false", "off", "0"].includes(t)) return false;
  problems.push(`--appendonly takes yes or no (got "${text}").`);
  return undefined;
}

/** Parsed options -> a validated ClusterSpec, or a UsageError listing every problem at once. */
export function clusterSpecFromOptions(o: ClusterOptions): ClusterSpec {
  const problems: string[] = [];
  const db = (o.db ?? "redis") as DbName;
  if (!DB_NAMES.includes(db)) problems.push(`--db must be one of ${DB_NAMES.join(", ")} (got "${o.db}").`);
  const topology = (o.topology ?? "sentinel") as TopologyName;
  if (!TOPOLOGIES.includes(topology))
    problems.push(`--topology must be one of ${TOPOLOGIES.join(", ")} (got "${o.topology}").`);

  const sentinelOnly = [
    o.sentinels !== undefined && "--sentinels",
    o.sentinelsColocated && "--sentinels-colocated",
    o.quorum !== undefined && "--quorum",
    o.downAfterMs !== undefined && "--down-after-ms",
    o.failoverTimeoutMs !== undefined && "--failover-timeout-ms",
  ].filter((x): x is string => typeof x === "string");
  if (topology !== "sentinel" && sentinelOnly.length) {
    problems.push(
      `${sentinelOnly.join(", ")} only appl${sentinelOnly.length > 1 ? "y" : "ies"} to --topology sentinel.`,
    );
  }
  if (topology !== "cluster" && o.clusterNodeTimeout !== undefined) {
    problems.push(`--cluster-node-timeout only applies to --topology cluster.`);
  }

  const count = int("--sentinels", o.sentinels, problems) ?? SENTINEL_DEFAULTS.count;
  const dataSize = o.dataSize ?? DATA_SIZE_DEFAULT;
  const appendfsync = o.appendfsync as AppendFsync | undefined;
  const spec: ClusterSpec = {
    db,
    version: o.version,
    image: o.image,
    topology,
    replicas: int("--replicas", o.replicas, problems) ?? defaultReplicas(topology),
    sentinel: {
      count,
      colocated: o.sentinelsColocated ?? false,
      quorum: int("--quorum", o.quorum, problems) ?? majority(count),
      downAfterMs: int("--down-after-ms", o.downAfterMs, problems) ?? SENTINEL_DEFAULTS.downAfterMs,
      failoverTimeoutMs:
        int("--failover-timeout-ms", o.failoverTimeoutMs, problems) ?? SENTINEL_DEFAULTS.failoverTimeoutMs,
    },
    clusterNodeTimeoutMs:
      int("--cluster-node-timeout", o.clusterNodeTimeout, problems) ?? CLUSTER_NODE_TIMEOUT_DEFAULT_MS,
    dataSize,
    dataSizeBytes: dataSizeBytes(dataSize) ?? NaN,
    ...(o.memoryLimit !== undefined ? { memoryLimit: o.memoryLimit } : {}),
    settings: {
      appendonly: yesNo(o.appendonly, problems),
      appendfsync,
      save: o.save,
      minReplicasToWrite: int("--min-replicas-to-write", o.minReplicasToWrite, problems),
      minReplicasMaxLag: int("--min-replicas-max-lag", o.minReplicasMaxLag, problems),
      maxmemory: o.maxmemory,
      maxmemoryPolicy: o.maxmemoryPolicy as MaxmemoryPolicy | undefined,
      replBacklogSize: o.replBacklogSize,
      extra: pairs("--redis-conf", o.redisConf, problems),
    },
    ...engineSpecsFrom(o, problems),
  };
  if (problems.length === 0) {
    validateClusterSpec(spec);
    return spec;
  }
  throw usage(problems);
}

/** Throws a UsageError listing every problem of a spec (generic and engine refusals), for specs built in code too. */
export function validateClusterSpec(spec: ClusterSpec): void {
  const problems = [...specProblems(spec), ...engineOptionProblems(spec), ...engineRefusals(spec)];
  if (problems.length) throw usage(problems);
}

function usage(problems: string[]): UsageError {
  return new UsageError(
    problems.length === 1
      ? problems[0]!
      : `the cluster options have ${problems.length} problems:\n  - ${problems.join("\n  - ")}`,
    "see `splitbrain run --help` for the options and their defaults",
  );
}
