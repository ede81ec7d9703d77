import { existsSync } from "node:fs";
import type { CheckResult } from "../checker/checker.js";
import { mergeVerdicts, UsageError, type Verdict } from "../cli/exit.js";
import { loadHistory } from "../history/read.js";
import type { History } from "../history/op.js";
import type { Source } from "../history/validate.js";
import { checkOpShapes } from "../history/values.js";
import { createWorkload } from "../../workloads/index.js";
import { parseRecord, readJsonFile, runResultsSchema, testRecordSchema } from "./records.js";
import { summaryMetrics, type SummaryMetrics } from "../metrics/summary.js";
import { runDirPaths, writeJson } from "./runDir.js";
import type { HealFailureRecord } from "./healFailures.js";
import type { RunPlan } from "./plan.js";

/** What test.json holds about a run; written by the runner, read back by `check` and `report`. */
export interface TestRecord {
  tool: { name: string; version: string };
  runId: string;
  startedAt: string;
  /** Wall time at which the run's monotonic clock read 0 (op times are nanoseconds after it). */
  clockStartedAt?: string;
  command: string[];
  plan: RunPlan;
  /** Filled in as the run goes: nodes, server versions, schedule, how the run ended. */
  cluster?: unknown;
  schedule?: unknown;
  /** Set when the run was cut short (Ctrl-C, an error) or its final reads did not complete. */
  incomplete?: string;
  /** Faults a heal could not undo: what may remain and what became of it (absent when every heal succeeded). */
  healFailures?: HealFailureRecord[];
}

export interface CheckerOutcome {
  workload: string;
  checker: string;
  result: CheckResult;
}

export interface RunResults {
  valid: Verdict;
  /** One line per checker for people, and the run's figures by name for tools (results.json's summary.metrics). */
  summary: RunSummary;
  checkers: CheckerOutcome[];
  incomplete?: string;
  stats: { ops: number; checkMs: number };
}

export interface RunSummary {
  lines: string[];
  metrics?: SummaryMetrics;
}

/** The summary's lines, also from a results.json written before the summary held metrics (a bare list of lines). */
export function summaryLines(results: Pick<RunResults, "summary">): string[] {
  const s = results.summary as RunSummary | string[] | undefined;
  return Array.isArray(s) ? s : (s?.lines ?? []);
}

/** Which workload a client process belongs to: processes are numbered so that process mod concurrency = slot. */
export function workloadOf(plan: Pick<RunPlan, "slots" | "concurrency">, process: number): string | undefined {
  return plan.slots[process % plan.concurrency];
}

export function readTestRecord(dir: string): TestRecord {
  const p = runDirPaths(dir).testPath;
  if (!existsSync(p)) throw new UsageError(`${dir} is not a run directory (no test.json)`, "pass a directory under results/, or a history file");
  const hint = "test.json is written by `splitbrain run`; restore it from the run, or check the history file alone";
  return parseRecord<TestRecord>(testRecordSchema, readJsonFile(p, hint), p, hint);
}

/** A run's results.json, checked against its shape; a bad one can be rebuilt from the history. */
export function readRunResults(dir: string): RunResults {
  const p = runDirPaths(dir).resultsPath;
  const hint = `results.json is rebuilt from the run's history by: splitbrain check ${dir}`;
  return parseRecord<RunResults>(runResultsSchema, readJsonFile(p, hint), p, hint);
}

/**
 * Re-runs every checker of a run from its directory alone. A run that ended before its final reads cannot show
 * that writes survived, so set/counter/queue verdicts are capped at `unknown` with the reason; linearizability of
 * what was recorded still stands.
 */
export async function checkRunDir(dir: string, opts: { checkTimeoutMs?: number; write?: boolean } = {}): Promise<RunResults> {
  const t0 = performance.now();
  const test = readTestRecord(dir);
  const loaded = await loadHistory(runDirPaths(dir).historyPath, "jsonl");
  const results = await checkHistory(loaded.history, test, opts.checkTimeoutMs ?? test.plan.checkTimeoutMs, loaded);
  results.stats.checkMs = Math.round(performance.now() - t0);
  if (opts.write !== false) writeJson(runDirPaths(dir).resultsPath, results);
  return results;
}

/**
 * Runs every checker the run's workloads declare. `source` (the file the history was read from) makes every op be
 * checked first against its workload's shape, so a malformed saved history is refused by file and line instead of
 * being judged; the runner's own in-memory history needs no such check.
 */
export async function checkHistory(history: History, test: TestRecord, checkTimeoutMs?: number, source?: Source): Promise<RunResults> {
  const { plan } = test;
  const workloads = new Map(plan.workloads.map((name) => [name, createWorkload(name, plan.keys !== undefined ? { keys: plan.keys } : {})]));
  if (source !== undefined) {
    checkOpShapes(history, source, (op) => workloads.get(workloadOf(plan, op.process as number) ?? ""), "workload");
  }
  const checkers: CheckerOutcome[] = [];
  for (const [name, workload] of workloads) {
    const ops = history.filter((op) => op.process !== "nemesis" && workloadOf(plan, op.process) === name);
    for (const checker of workload.checkers()) {
      const result = await checker.check(ops, checkTimeoutMs !== undefined ? { timeoutMs: checkTimeoutMs } : {});
      if (test.incomplete && checker.name !== "linearizable" && result.valid === true) {
        result.valid = "unknown";
        result.reason = `the run was cut short (${test.incomplete}), so surviving writes could not be confirmed`;
      }
      checkers.push({ workload: name, checker: checker.name, result });
    }
  }
  const valid = mergeVerdicts(checkers.map((c) => c.result.valid));
  const out: RunResults = {
    valid,
    summary: { lines: checkers.map((c) => `${c.workload}/${c.checker}: ${verdictWord(c.result.valid)}${c.result.reason ? ` (${c.result.reason})` : ""}`) },
    checkers,
    stats: { ops: history.length, checkMs: 0 },
  };
  if (test.incomplete) out.incomplete = test.incomplete;
  out.summary.metrics = summaryMetrics(history, out, test);
  return out;
}

export function verdictWord(v: Verdict): string {
  return v === true ? "valid" : v === false ? "INVALID" : "unknown";
}
