/**
 * The linearizability checker on the inputs the issue names: ~100-op single-register histories with 20+ concurrent
 * processes and many pending ops (the hard case: every pending op may go anywhere after its call, or nowhere), and
 * 10k-op multi-key histories (the common case: many small partitions).
 */
import { checkLinearizable, type LinearizabilityResult } from "../src/checker/linearizable/index.js";
import type { History } from "../src/history/op.js";
import { kvModel, registerModel } from "../src/models/index.js";
import type { Model } from "../src/models/model.js";
import { indexed, injectStaleRead, simulatedHistory } from "../test/support/histories.js";
import { seededRng } from "../test/support/rng.js";
import { type BenchRow, row, timed } from "./index.js";

export interface Case {
  name: string;
  histories: History[];
  model: Model;
  opts: Parameters<typeof checkLinearizable>[2];
}

const SEEDS = [1, 2, 3, 4, 5];

function hardRegister(seed: number, invalid: boolean): History {
  const h = simulatedHistory("register", seededRng(seed), { processes: 24, ops: 100, infoRate: 0.3, meanDuration: 24 });
  return invalid ? injectStaleRead(h, "register") : h;
}

/** Several hard single-register histories side by side under different keys: partitions worth a thread each. */
function hardKeys(seeds: number[]): History {
  const ops = seeds.flatMap((seed, k) =>
    hardRegister(seed, true).map((op) => ({ ...op, key: `k${k}`, process: (op.process as number) + 100_000 * k })),
  );
  return indexed(ops.sort((a, b) => (a.time ?? 0) - (b.time ?? 0) || a.index - b.index));
}

export function cases(): Case[] {
  const hardValid = SEEDS.map((s) => hardRegister(s, false));
  const hardInvalid = SEEDS.map((s) => hardRegister(s, true));
  const kv10k = [simulatedHistory("kv", seededRng(7), { processes: 32, ops: 10_000, keys: 100, infoRate: 0.05 })];
  const reg10k = [
    simulatedHistory("register", seededRng(8), { processes: 32, ops: 10_000, keys: 1000, infoRate: 0.05 }),
  ];
  const reg10kFew = [
    simulatedHistory("register", seededRng(9), { processes: 16, ops: 10_000, keys: 8, infoRate: 0.02 }),
  ];
  const fourHard = [hardKeys([3, 4, 1, 5])];
  const timeout = { timeoutMs: 60_000 };
  // Without pruning most of these hit the cache cap; a lower cap keeps the bench short and shows the limit working.
  const raw = { ...timeout, workers: 1, pruneUnobserved: false, maxCacheEntries: 1_000_000 };
  return [
    {
      name: "register 100 ops, 24 procs, valid",
      histories: hardValid,
      model: registerModel,
      opts: { ...timeout, workers: 1 },
    },
    {
      name: "register 100 ops, 24 procs, stale read",
      histories: hardInvalid,
      model: registerModel,
      opts: { ...timeout, workers: 1 },
    },
    { name: "  same, no pruning, cap 1M, valid", histories: hardValid, model: registerModel, opts: raw },
    { name: "  same, no pruning, cap 1M, stale read", histories: hardInvalid, model: registerModel, opts: raw },
    {
      name: "4 such keys (400 ops), 1 thread",
      histories: fourHard,
      model: registerModel,
      opts: { ...timeout, workers: 1 },
    },
    { name: "4 such keys (400 ops), default threads", histories: fourHard, model: registerModel, opts: timeout },
    { name: "kv 10k ops, 100 keys, 1 thread", histories: kv10k, model: kvModel, opts: { ...timeout, workers: 1 } },
    { name: "kv 10k ops, 100 keys, default threads", histories: kv10k, model: kvModel, opts: timeout },
    { name: "register 10k ops, 1000 keys", histories: reg10k, model: registerModel, opts: timeout },
    {
      name: "register 10k ops, 8 keys, 1 thread",
      histories: reg10kFew,
      model: registerModel,
      opts: { ...timeout, workers: 1 },
    },
    { name: "register 10k ops, 8 keys, default threads", histories: reg10kFew, model: registerModel, opts: timeout },
  ];
}

export async function linearizableBench(runs: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const c of cases()) {
    // One timing per history set: every history in the set, checked once.
    let results: LinearizabilityResult[] = [];
    const { ms } = await timed(runs, async () => {
      results = [];
      for (const h of c.histories) results.push(await checkLinearizable(h, c.model, c.opts));
      return results;
    });
    const perHistory = ms.map((x) => x / c.histories.length);
    const verdicts = [...new Set(results.map((r) => String(r.valid)))].join("/");
    const pending = results.reduce((s, r) => s + r.stats.pendingOps, 0) / results.length;
    const cache = Math.max(...results.map((r) => r.stats.cacheEntries));
    const threads = Math.max(...results.map((r) => r.stats.workers));
    const rssMb = process.resourceUsage().maxRSS / 1024;
    rows.push(
      row(
        c.name,
        results[0]!.ops,
        perHistory,
        `${verdicts}; ${c.histories.length} histories; ~${pending.toFixed(0)} pending; partitions ${results[0]!.partitions}; ` +
          `cache <= ${cache}; threads ${threads}; peak RSS ${rssMb.toFixed(0)} MB`,
      ),
    );
  }
  return rows;
}
