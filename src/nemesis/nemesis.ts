import type { Cluster, Node } from "../core/cluster.js";

import type { Rng } from "../core/rng.js";

export type { Rng };

export interface NemesisContext {
  cluster: Cluster;
  rng: Rng;
  /** Progress lines for people (stderr / report log). */
  log(line: string): void;
}

/**
 * A fault, shaped like Jepsen's nemesis packages: what it does to nodes (`start`/`stop`), how it is undone no matter
 * what (`healAll`, idempotent, safe to call twice and on a cluster where it never started), and how charts shade it.
 * Choosing targets and grudges is pure (see nemeses/targets.ts); only start/stop/healAll touch nodes.
 * `start` and `stop` return the value recorded in the history (who was cut from whom, which node was killed).
 */
export interface Nemesis {
  readonly name: string;
  /** History `f` of the start and stop ops, e.g. start-partition / stop-partition. */
  readonly fs: { start: string; stop: string };
  /** How the report shades the fault's active intervals. */
  readonly perf: { label: string; colour: string };
  /** Run-time check before the run starts; returns why the fault cannot run here, or undefined if it can. */
  unavailable?(ctx: NemesisContext): Promise<string | undefined>;
  start(ctx: NemesisContext): Promise<unknown>;
  stop(ctx: NemesisContext): Promise<unknown>;
  healAll(ctx: NemesisContext): Promise<void>;
  /**
   * What a heal that failed may have left in place, in words a user can act on (an iptables chain, a ballast file,
   * a SIGSTOPped process). Everything a fault does lives inside the nodes' containers unless this says otherwise,
   * so removing them removes it. Without it, the failure names the fault's description instead.
   */
  mayRemain?(): string;
  describe(): string;
}

export type TargetSpec = "primary" | "replicas" | "one" | "minority" | "majority" | "all" | { nodes: string[] };

export type { Cluster, Node };

/**
 * Everything a user can tune about the faults, from the CLI. Each fault reads only its own fields; anything left
 * unset takes that fault's documented default.
 */
export interface NemesisOptions {
  /** Which nodes kill/restart/pause/disk-fill/memory-pressure/snapshot-storm/packet-loss/latency act on. */
  target?: TargetSpec;
  /** Partition shape or explicit grudge (see nemeses/grudge.ts). */
  grudge?: import("./grudge.js").GrudgeSpec;
  /** Also cut the test runner's own traffic from the nodes outside the largest group (`--partition-clients`). */
  partitionClients?: boolean;
  /** Bytes disk-fill leaves free on the data filesystem (`--disk-free`). */
  diskFreeBytes?: number;
  /** Share of packets packet-loss drops, in (0, 1]. */
  lossProbability?: number;
  latencyMs?: number;
  latencyJitterMs?: number;
  /** Bytes above current use that memory-pressure leaves under maxmemory. */
  memoryHeadroomBytes?: number;
  /** maxmemory-policy memory-pressure sets while active (e.g. allkeys-lru to provoke eviction); restored on heal. */
  maxmemoryPolicy?: string;
  /** Pause between a snapshot-storm's BGSAVE / BGREWRITEAOF commands, and the most rounds it runs. */
  snapshotPeriodMs?: number;
  snapshotMaxRounds?: number;
  /** power-loss keeps a random prefix of each file's unsynced tail (a torn write) instead of dropping it all. */
  tornWrites?: boolean;
  /** power-loss: name changes are durable only after their directory is fsynced (strict POSIX), not at once. */
  strictMetadata?: boolean;
}

/** A fault as the registry knows it: a name, one line for `--help`, and a factory for one run's instance. */
export interface NemesisPackage {
  readonly name: string;
  readonly summary: string;
  /**
   * Faults in the same group never overlap in a schedule: they act on the same thing (the database process), and
   * e.g. pausing a process that was just killed would only produce noise.
   */
  readonly group?: string;
  /** The cluster must mount data directories through the lazy filesystem (docker/node/lazyfs) for this fault. */
  readonly needsLazyFs?: boolean;
  /**
   * Judged from the plan alone, before Docker is asked anything: why this fault cannot run on that topology with
   * those options, as a sentence naming the flag to change, or undefined. Each fault declares what it needs here, so
   * a fault's requirements live with the fault; what only a running cluster can tell is `Nemesis.unavailable`.
   */
  planProblem?(plan: FaultPlan): string | undefined;
  create(opts: NemesisOptions): Nemesis;
}

/** What a fault can know before any container exists: the topology, its planned node names, the fault options. */
export interface FaultPlan {
  topology: import("../core/cluster.js").TopologyName;
  /** Data nodes (n1, n2, ...): what named targets choose among. */
  dataNodes: readonly string[];
  /** Every node, Sentinel-only ones (s1, ...) included: what explicit names and grudges may name. */
  nodes: readonly string[];
  options: NemesisOptions;
}
