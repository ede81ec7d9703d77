/**
 * Our linearizability checker side by side with porcupine, on the history classes of porcupine-histories.ts:
 *
 *   npm run build && npm run bench -- porcupine [--runs N] [--quick] [--only <class>] [--timeout <s>]
 *
 * Porcupine's source is copied from ../shared/vendor/porcupine (or $PORCUPINE_SRC) into a temporary directory with
 * bench/porcupine/main.go and built there with the local Go, offline; nothing of it stays in the project. Both
 * checkers run one history per process, as a user runs them: ours is `node bin/splitbrain.js check <file> --json`
 * (the compiled CLI: parsing, validation and checking), porcupine is the Go main on the same calls paired by our
 * pairCalls (unpruned: porcupine gets every pending call), with CheckOperationsTimeout and the same models
 * (register, kv; partitioned by key; pending calls return at +inf). Per run the two go alternately, the order
 * swapping each run. Time is each checker's own check time (ours: `stats.checkMs`, pairing and search; porcupine:
 * the CheckOperationsTimeout call), wall is the whole process; peak RSS by /usr/bin/time for both.
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

export interface Measurement {
  verdict: Verdict;
  checkMs: number;
  wallMs: number;
  rssMb: number;
}

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

const hasGnuTime = existsSync("/usr/bin/time");

/** Runs a command under /usr/bin/time (peak RSS), returning its stdout, wall time and peak RSS. */
function measured(cmd: string, args: string[]): { stdout: string; wallMs: number; rssMb: number | undefined } {
  const marker = "@@maxrss ";
  const t = performance.now();
  const r = hasGnuTime
    ? spawnSync("/usr/bin/time", ["-f", `${marker}%M`, cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 30 })
    : spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30 });
  const wallMs = performance.now() - t;
  const m = /@@maxrss (\d+)/.exec(r.stderr ?? "");
  if (r.error) throw r.error;
  if (!r.stdout) throw new Error(`${cmd} ${args.join(" ")} printed nothing (exit ${r.status}):\n${r.stderr}`);
  return { stdout: r.stdout, wallMs, rssMb: m ? Number(m[1]) / 1024 : undefined };
}

export function runPorcupine(bin: string, callsFile: string, timeoutS: number): Measurement {
  const { stdout, wallMs, rssMb } = measured(bin, [String(timeoutS), callsFile]);
  const out = JSON.parse(stdout) as { result: string; checkMs: number; maxRssKb: number };
  const verdict: Verdict = out.result === "Ok" ? true : out.result === "Illegal" ? false : "unknown";
  return { verdict, checkMs: out.checkMs, wallMs, rssMb: rssMb ?? out.maxRssKb / 1024 };
}

export function runOurs(historyFile: string, model: string, timeoutS: number, first: boolean): Measurement {
  const cli = join(packageRoot, "bin", "splitbrain.js");
  const args = [
    cli,
    "check",
    historyFile,
    "--json",
    "--model",
    model,
    "--timeout",
    String(timeoutS),
    ...(first ? ["--first"] : []),
  ];
  const { stdout, wallMs, rssMb } = measured(process.execPath, args);
  const out = JSON.parse(stdout) as { valid: Verdict; stats: { checkMs: number } };
  return { verdict: out.valid, checkMs: out.stats.checkMs, wallMs, rssMb: rssMb ?? Number.NaN };
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
  if (!existsSync(join(packageRoot, "dist", "src", "cli", "main.js")))
    throw new Error("run `npm run build` first: ours runs as the compiled CLI");
  const timeoutS = flags.timeoutS ?? (flags.quick ? 10 : 60);
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
            r.ours.push(runOurs(`${base}.jsonl`, cls.model, timeoutS, false));
            if (bad) r.oursFirst.push(runOurs(`${base}.jsonl`, cls.model, timeoutS, true));
          };
          const porc = (): void => void r.porc.push(runPorcupine(bin, `${base}.json`, timeoutS));
          if (run % 2 === 0) ours(), porc();
          else porc(), ours();
        }
        results.push(r);
        const o = median(r.ours.map((m) => m.checkMs));
        const p = median(r.porc.map((m) => m.checkMs));
        console.error(`  ${cls.name} seed ${seed}: ours ${o.toFixed(1)} ms, porcupine ${p.toFixed(1)} ms`);
      }
    }
    printTable(results, runs, timeoutS);
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

function printTable(results: HistoryResult[], runs: number, timeoutS: number): void {
  const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));
  console.log(
    `\nper process, one history each; medians of ${runs} alternating runs per history; time limit ${timeoutS} s for both;` +
      ` ratio = median over the class's histories of the median paired ratio ours/porcupine`,
  );
  console.log(
    "| class | histories | ops | check ms ours | porcupine | ratio | ours --first | ratio --first | wall ms ours / porcupine | peak RSS MB ours / porcupine | RSS ratio | verdicts ours / porcupine |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  const byClass = new Map<string, HistoryResult[]>();
  for (const r of results) byClass.set(r.cls, [...(byClass.get(r.cls) ?? []), r]);
  const overRatios: number[] = [];
  for (const [cls, rs] of byClass) {
    const paired = (a: (r: HistoryResult) => Measurement[], f: (m: Measurement) => number): number[] =>
      rs.map((r) => median(a(r).map((m, i) => f(m) / f(r.porc[i]!))));
    const med = (a: (r: HistoryResult) => Measurement[], f: (m: Measurement) => number): number =>
      median(rs.map((r) => median(a(r).map(f))));
    const ratio = median(
      paired(
        (r) => r.ours,
        (m) => m.checkMs,
      ),
    );
    const hasFirst = rs[0]!.oursFirst.length > 0;
    for (const r of rs) {
      if (median(r.porc.map((m) => m.checkMs)) > 1)
        overRatios.push(median(r.ours.map((m, i) => m.checkMs / r.porc[i]!.checkMs)));
    }
    console.log(
      `| ${cls} | ${rs.length} | ${rs[0]!.ops} | ${fmt(
        med(
          (r) => r.ours,
          (m) => m.checkMs,
        ),
      )} | ${fmt(
        med(
          (r) => r.porc,
          (m) => m.checkMs,
        ),
      )} | ` +
        `${ratio.toFixed(2)} | ${
          hasFirst
            ? fmt(
                med(
                  (r) => r.oursFirst,
                  (m) => m.checkMs,
                ),
              )
            : "-"
        } | ` +
        `${
          hasFirst
            ? median(
                paired(
                  (r) => r.oursFirst,
                  (m) => m.checkMs,
                ),
              ).toFixed(2)
            : "-"
        } | ` +
        `${fmt(
          med(
            (r) => r.ours,
            (m) => m.wallMs,
          ),
        )} / ${fmt(
          med(
            (r) => r.porc,
            (m) => m.wallMs,
          ),
        )} | ` +
        `${med(
          (r) => r.ours,
          (m) => m.rssMb,
        ).toFixed(0)} / ${med(
          (r) => r.porc,
          (m) => m.rssMb,
        ).toFixed(0)} | ` +
        `${median(
          paired(
            (r) => r.ours,
            (m) => m.rssMb,
          ),
        ).toFixed(2)} | ` +
        `${rs.map((r) => verdicts(r.ours)).join(",")} / ${rs.map((r) => verdicts(r.porc)).join(",")} |`,
    );
  }
  console.log(
    `\nmedian check-time ratio over the ${overRatios.length} histories where porcupine needs > 1 ms: ` +
      (overRatios.length ? median(overRatios).toFixed(2) : "-") +
      `; verdicts ${results.every(agree) ? "agree wherever both decide" : "DIFFER"}`,
  );
}
