import type { Node } from "../core/cluster.js";
import type { NemesisContext, TargetSpec } from "./nemesis.js";
import { byName, everyNode } from "./node-io.js";
import { chooseTargets, targetProblem } from "./targets.js";

/**
 * Named targets choose among data nodes; explicit names may also name Sentinel-only nodes (s1, ...), whose
 * process is then the one signalled.
 */
function pool(ctx: NemesisContext, spec: TargetSpec): readonly Node[] {
  return typeof spec === "string" ? ctx.cluster.nodes : everyNode(ctx.cluster);
}

export function targetUnavailable(ctx: NemesisContext, spec: TargetSpec): string | undefined {
  return targetProblem(
    spec,
    pool(ctx, spec).map((n) => n.name),
  );
}

/** The primary is asked of the cluster only when the target needs it: during faults that question can be slow. */
export async function resolveTargets(ctx: NemesisContext, spec: TargetSpec): Promise<Node[]> {
  const nodes = pool(ctx, spec);
  const needsPrimary = spec === "primary" || spec === "replicas";
  const primary = needsPrimary ? (await ctx.cluster.primary())?.name : undefined;
  return byName(
    nodes,
    chooseTargets(
      spec,
      nodes.map((n) => n.name),
      primary,
      ctx.rng,
    ),
  );
}

export function names(nodes: readonly Node[]): string[] {
  return nodes.map((n) => n.name);
}
