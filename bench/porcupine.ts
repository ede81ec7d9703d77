/**
 * Our linearizability checker side by side with porcupine, on the history classes of porcupine-histories.ts:
 *
 *   npm run build && npm run bench -- porcupine [--runs N] [--quick] [--only <class>] [--timeout <s>] [--reps N]
 *
 * Porcupine's source is copied from ../shared/vendor/porcupine (or $PORCUPINE_SRC) into a temporary directory with
 * bench/porcupine/main.go and built there with the local Go, offline; nothing of it stays in the project.
 *
 * Both checkers are timed in-process, as porcupine's own benchmarks time it: a fresh process per history and side
 * reads the history, then calls the checker function --reps times (and on until MIN_MS have passed) and reports
 * each call: ours is bench/porcupine/ours.mjs calling the compiled checkLinearizable (pairing, partitioning, search)
 * on the history as `check` reads it; porcupine is main.go calling CheckOperationsTimeout on the same calls paired
 * by our pairCalls (unpruned: porcupine gets every pending call), with the same models (register, kv; partitioned
 * by key; pending calls return at +inf). Process start, module loading and parsing are outside both timings, so
 * neither side pays for its runtime's start (a whole `node bin/splitbrain.js check` against an in-process Go call
 * would). "warm" is the steady state (second half of the calls); "1st" the first call, JIT warm-up included, which
 * is what one `check` pays. Memory: peak RSS during the first call over the RSS just before it, both sides alike.
 * Per history the two sides alternate, the order swapping each run. SPLITBRAIN_BENCH_TREE points ours at another
 * built checkout (with this ours.mjs copied into it) for before/after figures.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pairCalls } from "../src/checker/linearizable/calls.js";
import { packageRoot } from "../src/core/paths.js";
import { opToJsonLine } from "../src/history/jsonl.js";
import type { History } from "../src/history/op.js";
import { modelByName } from "../src/models/index.js";
import type { BenchRow } from "./index.js";
import { historyClasses } from "./porcupine-histories.js";

export type Verdict = true | false | "unknown";

/** Where porcupine's source is: $PORCUPINE_SRC, or ../shared/vendor/porcupine beside the checkout. */
export function porcupineSource(): string | undefined {
  const dir = process.env.PORCUPINE_SRC ?? join(packageRoot, "..", "shared", "vendor", "porcupine");
  return existsSync(join(dir, "checker.go")) ? dir : undefined;
}

/** Why the porcupine comparison cannot run here, or undefined when it can. */
export function porcupineMissing(): string | undefined {
  if (spawnSync("go", ["version"], { encoding: "utf8" }).status !== 0)
    return "`go` is not on PATH (Debian: apt-get install golang-go)";
  if (!porcupineSource()) return "porcupine's source is not at ../shared/vendor/porcupine (set PORCUPINE_SRC)";
  return undefined;
}

/** Copies porcupine and our main into `dir` and builds them offline; returns the binary. */
export function buildPorcupine(dir: string): string {
  const src = porcupineSource();
  if (!src) throw new Error(porcupineMissing());
  cpSync(src, join(dir, "porcupine"), { recursive: true, filter: (p) => !p.endsWith("_test.go") });
  mkdirSync(join(dir, "main"));
  cpSync(join(packageRoot, "bench", "porcupine", "main.go"), join(dir, "main", "main.go"));
  writeFileSync(
    join(dir, "main", "go.mod"),
    "module splitbrain-bench\n\ngo 1.16\n\nrequire github.com/anishathalye/porcupine v0.0.0\n\n" +
      "replace github.com/anishathalye/porcupine => ../porcupine\n",
  );
  const bin = join(dir, "porcupine-bench");
  const r = spawnSync("go", ["build", "-o", bin, "."], {
    cwd: join(dir, "main"),
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "-mod=mod", GOPROXY: "off", GOTOOLCHAIN: "local" },
  });
  if (r.status !== 0) throw new Error(`go build of porcupine failed:\n${r.stderr}`);
  return bin;
}

/** The history for porcupine: our paired calls (decoded by our model), as main.go reads them. */
export function exportCalls(history: History, model: "register" | "kv"): string {
  const paired = pairCalls(history, modelByName(model));
  const calls = paired.calls.map((c) => ({
    process: c.process,
    key: c.key,
    input: c.input,
    ...(c.pending ? {} : { output: c.output }),
    pending: c.pending,
    call: c.call,
    ret: c.pending ? null : c.ret,
  }));
  return JSON.stringify({ model, calls });
}

export interface Measurement {
  verdict: Verdict;
  /** The first call in a fresh process: what one `splitbrain check` pays, JIT warm-up included. */
  firstMs: number;
  /** Median of the second half of the calls: steady state, as porcupine's own `go test -bench` harness measures. */
  warmMs: number;
  /** Peak RSS while checking over the RSS just before it. */
  checkRssMb: number;
  /** The whole process's peak RSS (runtime, parsing and checking). */
  peakRssMb: number;
}

interface RunnerOutput {
  checkMs: number[];
  baseRssKb: number;
  checkPeakRssKb: number;
  peakRssKb: number;
}

function measurement(verdict: Verdict, out: RunnerOutput): Measurement {
  const firstMs = out.checkMs[0]!;
  // The second half of the calls: V8 takes a few calls to optimise the search (more on a loaded machine, where its
  // compiler thread waits for a core), and Go's benchmarks likewise time steady state.
  const steady = out.checkMs.slice(Math.ceil(out.checkMs.length / 2));
  return {
    verdict,
    firstMs,
    warmMs: steady.length ? median(steady) : firstMs,
    checkRssMb: Math.max(0, out.checkPeakRssKb - out.baseRssKb) / 1024,
    peakRssMb: out.peakRssKb / 1024,
  };
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (!r.stdout) throw new Error(`${cmd} ${args.join(" ")} printed nothing (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** Keeps calling the checker until this much time has passed too (after `reps` calls), on both sides. */
const MIN_MS = 1000;

export function runPorcupine(
  bin: string,
  callsFile: string,
  timeoutS: number,
  reps: number,
  minMs = MIN_MS,
): Measurement {
  const args = [String(timeoutS), callsFile, String(reps), String(minMs)];
  const out = JSON.parse(run(bin, args)) as RunnerOutput & { result: string };
  return measurement(out.result === "Ok" ? true : out.result === "Illegal" ? false : "unknown", out);
}

export function runOurs(
  historyFile: string,
  model: string,
  timeoutS: number,
  reps: number,
  first: boolean,
): Measurement {
  // Another build of ours (a checkout of an older commit, built, with this runner copied in) for before/after.
  const tree = process.env.SPLITBRAIN_BENCH_TREE ?? packageRoot;
  const runner = join(tree, "bench", "porcupine", "ours.mjs");
  const args = [
    runner,
    String(timeoutS),
    String(reps),
    String(MIN_MS),
    historyFile,
    model,
    ...(first ? ["first"] : []),
  ];
  const out = JSON.parse(run(process.execPath, args)) as RunnerOutput & { valid: Verdict };
  return measurement(out.valid, out);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface BenchFlags {
  quick: boolean;
  only?: string;
  timeoutS?: number;
  /** Checker calls per process (the first is reported apart, the rest give the warm median). */
  reps?: number;
}

interface HistoryResult {
  cls: string;
  seed: number;
  ops: number;
  ours: Measurement[];
  oursFirst: Measurement[];
  porc: Measurement[];
}

export async function porcupineBench(runs: number, flags: BenchFlags): Promise<BenchRow[]> {
  const missing = porcupineMissing();
  if (missing) {
    console.log(`skipped: ${missing}`);
    return [];
  }
  if (!existsSync(join(packageRoot, "dist", "src", "checker", "linearizable", "index.js")))
    throw new Error("run `npm run build` first: ours runs the compiled checker");
  const timeoutS = flags.timeoutS ?? (flags.quick ? 10 : 60);
  const reps = flags.reps ?? 10;
  const dir = mkdtempSync(join(tmpdir(), "splitbrain-porcupine-"));
  try {
    const bin = buildPorcupine(dir);
    const results: HistoryResult[] = [];
    for (const cls of historyClasses(flags.quick, flags.only)) {
      const bad = cls.name.includes("bad");
      for (const { seed, history } of cls.histories) {
        const base = join(dir, `${cls.model}-${seed}`);
        writeFileSync(`${base}.jsonl`, history.map((op) => opToJsonLine(op) + "\n").join(""));
        writeFileSync(`${base}.json`, exportCalls(history, cls.model));
        const r: HistoryResult = { cls: cls.name, seed, ops: history.length / 2, ours: [], oursFirst: [], porc: [] };
        for (let run = 0; run < runs; run++) {
          const ours = (): void => {
            r.ours.push(runOurs(`${base}.jsonl`, cls.model, timeoutS, reps, false));
            if (bad) r.oursFirst.push(runOurs(`${base}.jsonl`, cls.model, timeoutS, reps, true));
          };
          const porc = (): void => void r.porc.push(runPorcupine(bin, `${base}.json`, timeoutS, reps));
          if (run % 2 === 0) ours(), porc();
          else porc(), ours();
        }
        results.push(r);
        const o = median(r.ours.map((m) => m.warmMs));
        const p = median(r.porc.map((m) => m.warmMs));
        console.error(`  ${cls.name} seed ${seed}: ours ${o.toFixed(1)} ms, porcupine ${p.toFixed(1)} ms (warm)`);
      }
    }
    printTable(results, runs, reps, timeoutS);
    const disagreements = results.filter((r) => !agree(r));
    if (disagreements.length) {
      throw new Error(
        `verdicts differ from porcupine's on ${disagreements.map((r) => `${r.cls} seed ${r.seed}`).join(", ")}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [];
}

/** Decided verdicts must be the same; an `unknown` on either side is not a disagreement. */
function agree(r: HistoryResult): boolean {
  const decided = [...r.ours, ...r.oursFirst, ...r.porc].map((m) => m.verdict).filter((v) => v !== "unknown");
  return new Set(decided).size <= 1;
}

function verdicts(ms: Measurement[]): string {
  const counts = new Map<string, number>();
  for (const m of ms) counts.set(String(m.verdict), (counts.get(String(m.verdict)) ?? 0) + 1);
  return [...counts].map(([v, n]) => (counts.size === 1 ? v : `${v}x${n}`)).join("/");
}

const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));

type Side = (r: HistoryResult) => Measurement[];
const OURS: Side = (r) => r.ours;
const FIRST: Side = (r) => r.oursFirst;
const PORC: Side = (r) => r.porc;

/** Median over a class's histories of the median over runs of one figure. */
function classMedian(rs: HistoryResult[], side: Side, f: (m: Measurement) => number): number {
  return median(rs.map((r) => median(side(r).map(f))));
}

/** Median over a class's histories of the median paired ratio (run i of ours over run i of porcupine). */
function classRatio(rs: HistoryResult[], side: Side, f: (m: Measurement) => number): number {
  return median(rs.map((r) => median(side(r).map((m, i) => f(m) / Math.max(f(r.porc[i]!), 1e-3)))));
}

/** Memory ratio with 1 MB added to both sides: a few hundred kB against nothing is not a meaningful ratio. */
const memRatio = (rs: HistoryResult[]): number =>
  median(rs.map((r) => median(r.ours.map((m, i) => (m.checkRssMb + 1) / (r.porc[i]!.checkRssMb + 1)))));

function printTable(results: HistoryResult[], runs: number, reps: number, timeoutS: number): void {
  console.log(
    `\nin-process, both sides: each process reads one history, then calls the checker ${reps} times` +
      ` and on until ${MIN_MS} ms have passed (porcupine: CheckOperationsTimeout; ours: checkLinearizable);` +
      ` "warm" is the median of the second half of the calls` +
      ` (porcupine's own benchmarks repeat in one process), "1st" the first call in a fresh process;` +
      ` ${runs} alternating processes per history and side; time limit ${timeoutS} s;` +
      ` ratios are medians of paired ratios ours/porcupine; check MB is the peak RSS during the first call over the RSS before it`,
  );
  console.log(
    "| class | histories | ops | warm ms ours | porcupine | ratio | 1st call ms ours / porcupine | ratio 1st | ours --first warm | ratio --first | check MB ours / porcupine | MB ratio | process peak MB ours / porcupine | verdicts ours / porcupine |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  const byClass = new Map<string, HistoryResult[]>();
  for (const r of results) byClass.set(r.cls, [...(byClass.get(r.cls) ?? []), r]);
  const warmRatios: number[] = [];
  const firstRatios: number[] = [];
  const memRatios: number[] = [];
  for (const [cls, rs] of byClass) {
    const warm = (m: Measurement): number => m.warmMs;
    const first = (m: Measurement): number => m.firstMs;
    const checkMb = (m: Measurement): number => m.checkRssMb;
    const peakMb = (m: Measurement): number => m.peakRssMb;
    const hasFirst = rs[0]!.oursFirst.length > 0;
    for (const r of rs) {
      if (median(r.porc.map(warm)) <= 1) continue;
      warmRatios.push(classRatio([r], OURS, warm));
      firstRatios.push(classRatio([r], OURS, first));
      memRatios.push(memRatio([r]));
    }
    console.log(
      `| ${cls} | ${rs.length} | ${rs[0]!.ops} | ${fmt(classMedian(rs, OURS, warm))} | ${fmt(classMedian(rs, PORC, warm))} | ` +
        `${classRatio(rs, OURS, warm).toFixed(2)} | ` +
        `${fmt(classMedian(rs, OURS, first))} / ${fmt(classMedian(rs, PORC, first))} | ${classRatio(rs, OURS, first).toFixed(2)} | ` +
        `${hasFirst ? fmt(classMedian(rs, FIRST, warm)) : "-"} | ${hasFirst ? classRatio(rs, FIRST, warm).toFixed(2) : "-"} | ` +
        `${classMedian(rs, OURS, checkMb).toFixed(1)} / ${classMedian(rs, PORC, checkMb).toFixed(1)} | ${memRatio(rs).toFixed(2)} | ` +
        `${classMedian(rs, OURS, peakMb).toFixed(0)} / ${classMedian(rs, PORC, peakMb).toFixed(0)} | ` +
        `${rs.map((r) => verdicts(r.ours)).join(",")} / ${rs.map((r) => verdicts(r.porc)).join(",")} |`,
    );
  }
  const show = (xs: number[]): string =>
    xs.length ? `median ${median(xs).toFixed(2)}, worst ${Math.max(...xs).toFixed(2)}` : "-";
  console.log(
    `\nover the ${warmRatios.length} histories where porcupine needs > 1 ms (warm): time warm ${show(warmRatios)};` +
      ` time 1st call ${show(firstRatios)}; check memory ${show(memRatios)};` +
      ` verdicts ${results.every(agree) ? "agree wherever both decide" : "DIFFER"}`,
  );
}
