import { createWorkload } from "../../workloads/index.js";
import { checkerKind } from "../checker/kinds.js";
import { mergeVerdicts } from "../core/exit.js";
import type { History } from "../history/op.js";
import { loadHistory } from "../history/read.js";
import type { Source } from "../history/validate.js";
import { checkOpShapes } from "../history/values.js";
import { summaryMetrics } from "../metrics/summary.js";
import { writeRunResults } from "../rundir/evidence.js";
import { runDirPaths } from "../rundir/paths.js";
import { workloadOptionsOf } from "../rundir/plan.js";
import {
  type CheckerOutcome,
  type RunResults,
  readTestRecord,
  type TestRecord,
  verdictWord,
  workloadOf,
} from "../rundir/record.js";

export type { CheckerOutcome, RunResults, RunSummary, TestRecord } from "../rundir/record.js";
export { readRunResults, readTestRecord, summaryLines, verdictWord, workloadOf } from "../rundir/record.js";

/**
 * Re-runs every checker of a run from its directory alone. A run that ended before its final reads cannot show
 * that writes survived, so a valid verdict is capped at `unknown` with the reason, except from a checker whose kind
 * judges only the ops recorded (linearizability), which still stands.
 */
export async function checkRunDir(
  dir: string,
  opts: { checkTimeoutMs?: number; write?: boolean } = {},
): Promise<RunResults> {
  const t0 = performance.now();
  const test = readTestRecord(dir);
  const loaded = await loadHistory(runDirPaths(dir).historyPath, "jsonl");
  const results = await checkHistory(loaded.history, test, opts.checkTimeoutMs ?? test.plan.checkTimeoutMs, loaded);
  results.stats.checkMs = Math.round(performance.now() - t0);
  if (opts.write !== false) writeRunResults(dir, results);
  return results;
}

/**
 * Runs every checker the run's workloads declare. `source` (the file the history was read from) makes every op be
 * checked first against its workload's shape, so a malformed saved history is refused by file and line instead of
 * being judged; the runner's own in-memory history needs no such check.
 */
export async function checkHistory(
  history: History,
  test: TestRecord,
  checkTimeoutMs?: number,
  source?: Source,
): Promise<RunResults> {
  const { plan } = test;
  const workloads = new Map(plan.workloads.map((name) => [name, createWorkload(name, workloadOptionsOf(plan))]));
  if (source !== undefined) {
    checkOpShapes(history, source, (op) => workloads.get(workloadOf(plan, op.process as number) ?? ""), "workload");
  }
  const checkers: CheckerOutcome[] = [];
  for (const [name, workload] of workloads) {
    const ops = history.filter((op) => op.process !== "nemesis" && workloadOf(plan, op.process) === name);
    for (const checker of workload.checkers()) {
      const result = await checker.check(ops, checkTimeoutMs !== undefined ? { timeoutMs: checkTimeoutMs } : {});
      if (test.incomplete && !checkerKind(checker.name).judgesRecordedOpsOnly && result.valid === true) {
        result.valid = "unknown";
        result.reason = `the run was cut short (${test.incomplete}), so surviving writes could not be confirmed`;
      }
      checkers.push({ workload: name, checker: checker.name, result });
    }
  }
  const valid = mergeVerdicts(checkers.map((c) => c.result.valid));
  const out: RunResults = {
    valid,
    summary: {
      lines: checkers.flatMap((c) => [
        `${c.workload}/${c.checker}: ${verdictWord(c.result.valid)}${c.result.reason ? ` (${c.result.reason})` : ""}`,
        ...(checkerKind(c.checker).summaryLines?.(c.result) ?? []).map((l) => `  ${l}`),
      ]),
    },
    checkers,
    stats: { ops: history.length, checkMs: 0 },
  };
  if (test.incomplete) out.incomplete = test.incomplete;
  out.summary.metrics = summaryMetrics(history, out, test);
  return out;
}
