import { join } from "node:path";
import { UsageError } from "../core/exit.js";
import { packageVersion } from "../core/paths.js";
import { parseShard, SHARD_FILE, type ShardSpec, selectShard, shardManifest } from "../core/shard.js";
import { writeJson } from "../rundir/paths.js";
import type { RunPlan } from "../runner/plan.js";
import type { AuditContext, CommonContext, CompareContext } from "./outputs.js";
import { sequenceRunId } from "./outputs.js";
import type { PlannedRun } from "./sequence.js";

/** `--shard k/n` on compare and audit: which runs this machine does, and shard.json saying so. */

export const SHARD_HELP =
  "run only shard k of n of the runs (target x repeat), for n machines; needs --seed; join them with splitbrain merge";

/** A shard needs a seed given: each machine drawing its own would make n different plans. */
export function shardOption(text: string | undefined, seed: string | undefined): ShardSpec | undefined {
  if (text === undefined) return undefined;
  const shard = parseShard(text);
  if (seed === undefined)
    throw new UsageError(
      "--shard needs --seed: every shard must run the same plan, and without a seed each machine draws its own",
      "give every shard the same --seed, e.g. --seed 20260101 (a date makes a fine nightly seed)",
    );
  return shard;
}

/** The first repeat's plan of each label, without where this machine writes (not part of what was run). */
export function firstPlans(runs: readonly PlannedRun[]): Record<string, RunPlan> {
  const out: Record<string, RunPlan> = {};
  for (const r of runs) if (!(r.label in out)) out[r.label] = { ...r.plan, resultsRoot: "", keep: false };
  return out;
}

/** What compare's and audit's contexts share, from the base options and every planned run (all shards). */
export function commonContext(
  base: { seed: string | number; partition?: unknown },
  repeat: number,
  allRuns: readonly PlannedRun[],
): CommonContext {
  return {
    repeat,
    seed: Number(base.seed),
    ...(base.partition !== undefined ? { partition: base.partition } : {}),
    plans: firstPlans(allRuns),
    order: allRuns.map((r) => sequenceRunId(r.label, r.repeat)),
  };
}

/**
 * The runs this machine does: all of them, or the shard's part in plan order, after writing shard.json (with the
 * context a merge renders from). Sets the context's note so the shard's own page says it is a part.
 */
export function startShard<C extends CompareContext | AuditContext>(
  outDir: string,
  kind: "compare" | "audit",
  ctx: C,
  runs: readonly PlannedRun[],
  shard: ShardSpec | undefined,
): PlannedRun[] {
  if (!shard) return [...runs];
  const { shardNote: _n, order: _o, ...identity } = ctx;
  const manifest = shardManifest({
    kind,
    identity: identity as Record<string, unknown>,
    version: packageVersion(),
    shard,
    allRuns: ctx.order,
    context: ctx,
  });
  writeJson(join(outDir, SHARD_FILE), manifest);
  ctx.shardNote = `shard ${shard.k}/${shard.n} of plan ${manifest.plan}: ${manifest.runs.length} of ${ctx.order.length} runs`;
  const mine = new Set(selectShard(ctx.order, (x) => x, shard));
  return runs.filter((r) => mine.has(sequenceRunId(r.label, r.repeat)));
}
