import { existsSync } from "node:fs";
import type { CheckResult } from "../checker/checker.js";
import { UsageError, type Verdict } from "../core/exit.js";
import type { Capabilities } from "../db/capabilities.js";
import { type EvidenceRef, withFullEvidence } from "./evidence.js";
import type { HealFailureRecord } from "./healFailures.js";
import type { MarkRecord } from "./marks.js";
import { runDirPaths } from "./paths.js";
import type { RunPlan } from "./plan.js";
import { parseRecord, readJsonFile, runResultsSchema, testRecordSchema } from "./schemas.js";
import type { SummaryMetrics } from "./summary.js";

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
  /** What faults that keep a record did, by fault (the hook fault's commands, exit codes, timing and output). */
  faults?: Record<string, unknown>;
  /** Moments noted from another terminal while the run recorded (`splitbrain mark`), also nemesis ops `mark`. */
  marks?: MarkRecord[];
  /** Lines of the marks file that were not marks, skipped (never recorded as ops). */
  marksSkipped?: string[];
}

export interface CheckerOutcome {
  workload: string;
  checker: string;
  /** In results.json, shortened when `evidence` is set: the full result is then in the file it names. */
  result: CheckResult;
  evidence?: EvidenceRef;
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

/**
 * Which workload a client process belongs to: processes are numbered so that process mod concurrency = slot.
 * Undefined when the plan does not say (a bare history, a hand-made test record).
 */
export function workloadOf(
  plan: Partial<Pick<RunPlan, "slots" | "concurrency">> | undefined,
  process: number,
): string | undefined {
  return plan?.slots && plan.concurrency ? plan.slots[process % plan.concurrency] : undefined;
}

export function readTestRecord(dir: string): TestRecord {
  const p = runDirPaths(dir).testPath;
  if (!existsSync(p))
    throw new UsageError(
      `${dir} is not a run directory (no test.json)`,
      "pass a directory under results/, or a history file",
    );
  const hint = "test.json is written by `splitbrain run`; restore it from the run, or check the history file alone";
  return parseRecord<TestRecord>(testRecordSchema, readJsonFile(p, hint), p, hint);
}

/**
 * A run's results.json, checked against its shape; a bad one can be rebuilt from the history. With `evidence:
 * "full"` each checker's result is its whole evidence (read from its evidence file); by default it is what
 * results.json holds, which is enough for verdicts, reasons, figures and the first few examples.
 */
export function readRunResults(dir: string, opts: { evidence?: "inline" | "full" } = {}): RunResults {
  const p = runDirPaths(dir).resultsPath;
  const hint = `results.json is rebuilt from the run's history by: splitbrain check ${dir}`;
  const results = parseRecord<RunResults>(runResultsSchema, readJsonFile(p, hint), p, hint);
  return opts.evidence === "full" ? withFullEvidence(dir, results) : results;
}

/** The engines and versions the nodes reported, as one phrase; says so when the cluster never started. */
export function serverVersions(test: TestRecord): string {
  const caps = (test.cluster as { capabilities?: Record<string, Capabilities> } | undefined)?.capabilities;
  const seen = new Set(Object.values(caps ?? {}).map((c) => `${c.engine} ${c.version}`));
  return seen.size ? [...seen].join(", ") : `${test.plan.cluster.db} (version not recorded: the cluster did not start)`;
}

export function verdictWord(v: Verdict): string {
  return v === true ? "valid" : v === false ? "INVALID" : "unknown";
}
