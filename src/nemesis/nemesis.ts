import type { LazyFsOptions } from "../cluster/lazyfs.js";
import type { Cluster, Node, TargetAllows } from "../core/cluster.js";
import type { Rng } from "../core/rng.js";

export type { Rng };

export interface NemesisContext {
  cluster: Cluster;
  /**
   * What the target lets faults do: an existing deployment may offer no node control at all. Absent where the
   * caller started the nodes itself (tests, scenario hooks), which means full control.
   */
  allows?: TargetAllows;
  /** The target's way to send a node one command with its credentials, where there is no node control (Target.command). */
  command?: (
    host: string,
    port: number,
    args: string[],
    opts?: { sentinel?: boolean; timeoutMs?: number },
  ) => Promise<unknown>;
  rng: Rng;
  /** Progress lines for people (stderr / report log). */
  log(line: string): void;
}

/**
 * How a fault shows in the history and the report, the same for every run whatever its options: static on the
 * package, so the report reads it without building a fault.
 */
export interface FaultLooks {
  readonly name: string;
  /** History `f` of the start and stop ops, e.g. start-partition / stop-partition. */
  readonly fs: { start: string; stop: string };
  /** How the report shades the fault's active intervals. */
  readonly perf: { label: string; colour: string };
}

/** A fault's looks with the usual start-<name> / stop-<name> history ops. */
export function faultLooks(name: string, label: string, colour: string): FaultLooks {
  return { name, fs: { start: `start-${name}`, stop: `stop-${name}` }, perf: { label, colour } };
}

/**
 * A fault, shaped like Jepsen's nemesis packages: what it does to nodes (`start`/`stop`), how it is undone no matter
 * what (`healAll`, idempotent, safe to call twice and on a cluster where it never started), and how charts shade it.
 * Choosing targets and grudges is pure (see src/nemesis/targets.ts, grudge.ts); only start/stop/healAll touch nodes.
 * `start` and `stop` return the value recorded in the history (who was cut from whom, which node was killed).
 */
export interface Nemesis extends FaultLooks {
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
  /** What the fault did, for test.json's `faults` (the user's hook commands with exit codes, timing and output). */
  record?(): unknown;
}

export type TargetSpec = "primary" | "replicas" | "one" | "minority" | "majority" | "all" | { nodes: string[] };

export type { Cluster, Node };

/**
 * One CLI option of the faults, as data (the runner builds the commander option from it, so `--help` lists it in
 * registry order) plus how its text lands in the plan's fault options. `O` is the options record of the faults
 * that read it.
 */
export interface FaultOption<O> {
  /** commander flags, e.g. "--disk-free <bytes>" or "--torn-writes" for a flag. */
  readonly flags: string;
  readonly description: string;
  /** Accepted values, checked by commander on the command line and by `parse` for scenarios and compare targets. */
  readonly choices?: readonly string[];
  /**
   * The given value (text, or true for a flag) -> the plan fields it sets. A value that cannot be used adds a
   * problem naming the flag and sets nothing (the plan lists every problem at once); a UsageError thrown here stops
   * the plan at once instead.
   */
  parse(value: string | true, problems: string[]): Partial<O>;
}

/** What a fault needs of the cluster it runs on, set before the cluster starts (startCluster's options). */
export interface ClusterNeeds {
  /** Data directories on the lazy filesystem (docker/node/lazyfs), which can drop what was never fsynced. */
  lazyFs?: LazyFsOptions;
}

/**
 * A fault as the registry knows it: its looks, one line for `--help`, the options it alone reads, what it needs of
 * the plan and of the cluster, and a factory for one run's instance. `O` is the part of the plan's fault options it
 * reads; the registry's NemesisOptions holds every package's `O` together.
 */
export interface NemesisPackage<O extends object = object> extends FaultLooks {
  readonly summary: string;
  /** Its line in `--dry-run` when the summary alone would not say what it will do (a hook's own commands). */
  dryRun?(opts: O, intervalMs: number): string;
  /**
   * Faults in the same group never overlap in a schedule: they act on the same thing (the database process), and
   * e.g. pausing a process that was just killed would only produce noise.
   */
  readonly group?: string;
  /**
   * CLI options only this fault reads, in `--help` order. Options several faults share (--target, --partition,
   * --partition-clients) are declared once in src/nemesis (targets.ts, grudge.ts) and listed once by the registry.
   */
  readonly options?: readonly FaultOption<O>[];
  /**
   * True for a fault that acts only by commands to the servers or the user's own hooks, never inside the nodes, so
   * it runs on an existing deployment (TargetAllows.nodeControl false). Every other fault is refused there up front.
   */
  readonly withoutNodeControl?: boolean;
  /** What the cluster must provide for this fault with these options; nothing when absent. */
  clusterNeeds?(opts: O): ClusterNeeds;
  /**
   * Judged from the plan alone, before Docker is asked anything: why this fault cannot run on that topology with
   * those options, as a sentence naming the flag to change, or undefined. Each fault declares what it needs here, so
   * a fault's requirements live with the fault; what only a running cluster can tell is `Nemesis.unavailable`.
   */
  planProblem?(plan: FaultPlan<O>): string | undefined;
  create(opts: O): Nemesis;
}

/** What a fault can know before any container exists: the topology, its planned node names, the fault options. */
export interface FaultPlan<O = object> {
  topology: import("../core/cluster.js").TopologyName;
  /** Data nodes (n1, n2, ...): what named targets choose among. */
  dataNodes: readonly string[];
  /** Every node, Sentinel-only ones (s1, ...) included: what explicit names and grudges may name. */
  nodes: readonly string[];
  options: O;
  /** False when the target is an existing deployment: no exec, signals or iptables inside its nodes. */
  nodeControl: boolean;
}
