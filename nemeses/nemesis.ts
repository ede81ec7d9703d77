import type { Cluster, Node } from "../src/cluster/types.js";

/** A seeded random source, so a schedule is repeatable from `--seed`. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
}

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
  describe(): string;
}

export type TargetSpec = "primary" | "replicas" | "one" | "minority" | "majority" | "all" | { nodes: string[] };

export type { Cluster, Node };
