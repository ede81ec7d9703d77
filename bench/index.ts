/**
 * Benchmark runner: `npm run bench [-- <name>...] [--runs N] [--quick] [--only <case>] [--timeout <s>] [--reps N]` (the last four
 * for porcupine). Each bench is a file exporting one function that
 * receives the run count and returns rows; add one by adding it to BENCHES. Figures are medians over the runs, after
 * one warm-up run, on generated (seeded) inputs, so two machines or two commits can be compared.
 */
import { harnessBench } from "./harness.js";
import { linearizableBench } from "./linearizable.js";
import { listAppendBench } from "./list-append.js";
import { type BenchFlags, porcupineBench } from "./porcupine.js";
import { powerlossBench } from "./powerloss.js";
import { startBench } from "./start.js";

export interface BenchRow {
  name: string;
  /** Operations in the input. */
  ops: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Anything else worth a column: verdict, cache entries, memory. */
  notes: string;
}

/** A bench prints its own table when it returns no rows (porcupine's, with ratios). */
export type Bench = (runs: number, flags: BenchFlags) => Promise<BenchRow[]>;

const BENCHES: Record<string, Bench> = {
  linearizable: linearizableBench,
  "list-append": listAppendBench,
  powerloss: powerlossBench,
  harness: harnessBench,
  porcupine: porcupineBench,
  start: startBench,
};

/** Runs `fn` once to warm up, then `runs` times; returns the sorted timings and the last result. */
export async function timed<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number[]; result: T }> {
  let result = await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { ms, result };
}

export function row(name: string, ops: number, ms: number[], notes: string): BenchRow {
  return { name, ops, medianMs: ms[Math.floor(ms.length / 2)]!, minMs: ms[0]!, maxMs: ms[ms.length - 1]!, notes };
}

async function main(argv: string[]): Promise<void> {
  let runs = 5;
  const names: string[] = [];
  const flags: BenchFlags = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--runs") runs = Number(argv[++i]);
    else if (argv[i] === "--quick") flags.quick = true;
    else if (argv[i] === "--only") flags.only = argv[++i];
    else if (argv[i] === "--timeout") flags.timeoutS = Number(argv[++i]);
    else if (argv[i] === "--reps") flags.reps = Number(argv[++i]);
    else names.push(argv[i]!);
  }
  if (!(runs >= 1)) throw new Error("--runs needs a positive number");
  const chosen = names.length ? names : Object.keys(BENCHES);
  for (const name of chosen) {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`unknown bench "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
    console.log(`\n## ${name} (median of ${runs} runs after a warm-up; node ${process.version})`);
    const rows = await bench(runs, flags);
    if (!rows.length) continue;
    const w = Math.max(...rows.map((r) => r.name.length));
    console.log(
      `${"case".padEnd(w)}  ${"ops".padStart(6)}  ${"median".padStart(9)}  ${"min".padStart(9)}  ${"max".padStart(9)}  notes`,
    );
    for (const r of rows) {
      const f = (x: number): string => `${x.toFixed(1)} ms`.padStart(9);
      console.log(
        `${r.name.padEnd(w)}  ${String(r.ops).padStart(6)}  ${f(r.medianMs)}  ${f(r.minMs)}  ${f(r.maxMs)}  ${r.notes}`,
      );
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`bench: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
}
