import type { RunPlan } from "../rundir/plan.js";
import { dockerTarget } from "./docker.js";
import { existingTarget } from "./existing.js";
import type { PreparedTarget, TargetKind } from "./target.js";

export type { OpenOptions, PreparedTarget, Target, TargetKind } from "./target.js";

/**
 * Every kind of target, most specific first: the first that serves a plan is used. A new kind (an existing
 * deployment reached by --endpoint) is one file beside docker.ts and one line here, ahead of the Docker default.
 */
export const TARGET_KINDS: readonly TargetKind[] = [existingTarget, dockerTarget];

export function targetKindFor(plan: RunPlan): TargetKind {
  return TARGET_KINDS.find((k) => k.serves(plan))!;
}

/** The factory the runner opens its target through: checks before the run directory exists, opens after. */
export function prepareTarget(plan: RunPlan): Promise<PreparedTarget> {
  return targetKindFor(plan).prepare(plan);
}
