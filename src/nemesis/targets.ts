import { UsageError } from "../core/exit.js";
import type { FaultOption, FaultPlan, Rng, TargetSpec } from "./nemesis.js";

/**
 * Which nodes a fault hits, as pure functions of the node names, the primary at that moment and a seeded rng, so a
 * schedule replays from `--seed` given the same primaries. The nemesis asks the cluster for the primary just before
 * choosing; everything else happens here.
 */

const NAMED_TARGETS = ["primary", "replicas", "one", "minority", "majority", "all"] as const;

export const TARGET_HELP =
  "primary (the current one), replicas, one, minority, majority, all, or node names such as n1,n3";

/** The fault option of every fault that acts on chosen nodes. */
export interface TargetOptions {
  /** Which nodes kill/restart/pause/disk-fill/memory-pressure/snapshot-storm/packet-loss/latency act on. */
  target?: TargetSpec;
}

/** `--target`, declared once for every fault that reads it. */
export const TARGET_OPTION: FaultOption<TargetOptions> = {
  flags: "--target <who>",
  description: `nodes kill/pause/disk-fill/... act on: ${TARGET_HELP}`,
  parse: (text) => ({ target: parseTarget(text as string) }),
};

/** Parses `--target`-style text: a named target or a comma-separated list of node names. */
export function parseTarget(text: string): TargetSpec {
  const t = text.trim();
  if ((NAMED_TARGETS as readonly string[]).includes(t)) return t as TargetSpec;
  const names = t
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0 || names.some((n) => !/^[A-Za-z0-9_.-]+$/.test(n))) {
    throw new UsageError(`"${text}" is not a target`, `use ${TARGET_HELP}`);
  }
  return { nodes: [...new Set(names)] };
}

export function describeTarget(spec: TargetSpec): string {
  return typeof spec === "string" ? spec : spec.nodes.join(",");
}

/** The largest group that is still a minority: 1 of 3, 2 of 5, 1 of 4 (2 of 4 would be a tie, not a minority). */
export function minoritySize(n: number): number {
  return Math.floor((n - 1) / 2);
}

export function majoritySize(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * Checked before a run starts, so a plan that cannot pick anyone fails up front instead of mid-run.
 * Returns what is wrong, or undefined. `primary` is not checked here: whether one exists is a run-time fact.
 */
export function targetProblem(spec: TargetSpec, nodes: readonly string[]): string | undefined {
  if (nodes.length === 0) return "the cluster has no nodes to target";
  if (typeof spec !== "string") {
    const unknown = spec.nodes.filter((n) => !nodes.includes(n));
    if (unknown.length > 0) return `no node named ${unknown.join(", ")} (nodes: ${nodes.join(", ")})`;
    return undefined;
  }
  if (spec === "minority" && minoritySize(nodes.length) === 0) {
    return `${nodes.length} node(s) have no minority; use one, or a topology with 3 or more nodes`;
  }
  if (spec === "replicas" && nodes.length < 2) return "a single node has no replicas";
  return undefined;
}

/**
 * A fault's `planProblem` for its target: named targets choose among data nodes, explicit names may also name
 * Sentinel-only nodes (as at run time, src/nemesis/targeting.ts). Names `--target` when the user gave it, else the
 * fault whose default target the topology cannot serve.
 */
export function targetPlanCheck(
  fault: string,
  fallback: TargetSpec,
): (plan: FaultPlan<TargetOptions>) => string | undefined {
  return (plan) => {
    const spec = plan.options.target ?? fallback;
    const problem = targetProblem(spec, typeof spec === "string" ? plan.dataNodes : plan.nodes);
    if (problem === undefined) return undefined;
    return plan.options.target !== undefined
      ? `--target ${describeTarget(spec)}: ${problem} with --topology ${plan.topology}`
      : `--nemesis ${fault} acts on ${describeTarget(spec)} by default, but ${problem} with --topology ${plan.topology}; pick nodes with --target`;
  };
}

/**
 * The node names a fault should act on now, in node-list order (so descriptions read naturally).
 * An empty result means there is nothing to act on (e.g. `primary` while no primary answers); the nemesis records
 * that instead of guessing.
 */
export function chooseTargets(
  spec: TargetSpec,
  nodes: readonly string[],
  primary: string | undefined,
  rng: Rng,
): string[] {
  const problem = targetProblem(spec, nodes);
  if (problem !== undefined) throw new UsageError(`cannot choose targets: ${problem}`);
  const inOrder = (chosen: Iterable<string>): string[] => {
    const set = new Set(chosen);
    return nodes.filter((n) => set.has(n));
  };
  if (typeof spec !== "string") return inOrder(spec.nodes);
  switch (spec) {
    case "primary":
      return primary !== undefined && nodes.includes(primary) ? [primary] : [];
    case "replicas":
      // Without a known primary every node is "not the primary"; acting on all of them would silently turn
      // `replicas` into `all`, so nothing is chosen instead.
      return primary === undefined ? [] : nodes.filter((n) => n !== primary);
    case "one":
      return [rng.pick(nodes)];
    case "minority":
      return inOrder(rng.shuffle(nodes).slice(0, minoritySize(nodes.length)));
    case "majority":
      return inOrder(rng.shuffle(nodes).slice(0, majoritySize(nodes.length)));
    case "all":
      return [...nodes];
  }
}
