import type { Call, Model } from "../../models/model.js";
import { buildCounterexample, type PartitionCounterexample } from "./counterexample.js";
import type { UndecidedLimit } from "./index.js";
import { searchPartition } from "./search.js";

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
  const start = now();
  const out = searchPartition(job.calls, model, {
    deadline: start + job.budgetMs,
    maxCacheEntries: job.maxCacheEntries,
    now,
  });
  const base = { key: job.calls[0]?.key ?? null, ops: job.calls.length, cacheEntries: out.cacheEntries };
  if (out.verdict === "unknown") return { ...base, verdict: "unknown", limit: out.limit, ms: now() - start };
  if (out.verdict === true) return { ...base, verdict: true, ms: now() - start };
  const counterexample = buildCounterexample(job.calls, model, out.longest, job.timed);
  return { ...base, verdict: false, counterexample, ms: now() - start };
}
