import type { Call, Model } from "../../models/model.js";
import { buildCounterexample, type PartitionCounterexample } from "./counterexample.js";
import type { UndecidedLimit } from "./index.js";
import { type SearchOutcome, startSearch } from "./search.js";

/** What checking one partition yields, in plain data so it can cross a worker boundary. */
export interface PartitionVerdict {
  key: string | number | null;
  ops: number;
  verdict: true | false | "unknown";
  limit?: UndecidedLimit;
  cacheEntries: number;
  ms: number;
  counterexample?: PartitionCounterexample;
}

export interface PartitionJob {
  calls: Call[];
  timed: boolean;
  /** Milliseconds this partition may still take (Infinity for none). */
  budgetMs: number;
  maxCacheEntries: number;
}

export function checkPartition(job: PartitionJob, model: Model, now: () => number): PartitionVerdict {
  return partitionRun(job, model, now)(Infinity, job.budgetMs)!;
}

/**
 * A partition's search that can be run in slices: each call searches on for at most `maxTicks` steps and
 * `budgetMs` milliseconds, and returns the verdict, or undefined when the steps ran out first.
 */
export function partitionRun(
  job: PartitionJob,
  model: Model,
  now: () => number,
): (maxTicks: number, budgetMs: number) => PartitionVerdict | undefined {
  const search = startSearch(job.calls, model);
  let ms = 0;
  return (maxTicks, budgetMs) => {
    const start = now();
    const limits = { deadline: start + budgetMs, maxCacheEntries: job.maxCacheEntries, now };
    const out = search.run(limits, maxTicks);
    if (out === undefined) {
      ms += now() - start;
      return undefined;
    }
    const v = settle(job, model, out);
    ms += now() - start;
    return { ...v, ms };
  };
}

function settle(job: PartitionJob, model: Model, out: SearchOutcome): PartitionVerdict {
  const base = { key: job.calls[0]?.key ?? null, ops: job.calls.length, cacheEntries: out.cacheEntries, ms: 0 };
  if (out.verdict === "unknown") return { ...base, verdict: "unknown", limit: out.limit };
  if (out.verdict === true) return { ...base, verdict: true };
  const counterexample = buildCounterexample(job.calls, model, out.longest, job.timed);
  return { ...base, verdict: false, counterexample };
}
