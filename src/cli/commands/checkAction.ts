import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Checker, CheckResult } from "../../checker/checker.js";
import {
  checkLinearizable,
  DEFAULT_CHECK_TIMEOUT_MS,
  describeCounterexample,
  type LinearizabilityResult,
} from "../../checker/linearizable/index.js";
import { undecidedLines } from "../../checker/linearizable/view.js";
import {
  CONSISTENCY_MODELS,
  type ConsistencyModel,
  DEFAULT_CONSISTENCY,
} from "../../checker/list-append/consistency.js";
import { TXN } from "../../checker/list-append/txn.js";
import { exitCodeFor, mergeVerdicts, UsageError, type Verdict } from "../../core/exit.js";
import { answerer, c, printJson, say, warn } from "../../core/output.js";
import { HISTORY_FORMATS, parseFormatChoice } from "../../history/format.js";
import { type History, isClientOp } from "../../history/op.js";
import { type LoadedHistory, loadHistory } from "../../history/read.js";
import { checkOpShapes } from "../../history/values.js";
import { detectModel, MODEL_NAMES, type ModelName, modelByName } from "../../models/index.js";

export const LIST_APPEND = "list-append";

/** The values check's options take (commander's choices in check.ts, and the quick path's). */
export const CHECK_CHOICES = {
  model: [...MODEL_NAMES, LIST_APPEND, "auto"],
  consistency: [...CONSISTENCY_MODELS],
  format: ["auto", ...HISTORY_FORMATS],
} as const satisfies Record<string, readonly string[]>;

export const CHECK_DEFAULTS = { model: "auto", consistency: DEFAULT_CONSISTENCY, format: "auto" } as const;

export interface CheckOptions {
  model: string;
  consistency: string;
  format: string;
  timeout?: string;
  first?: boolean;
  json?: boolean;
  exportEdn?: string;
}

function parseTimeout(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const seconds = Number(s);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--timeout must be a positive number of seconds, got "${s}"`, "for example --timeout 60");
  }
  return seconds * 1000;
}

/** What one checker said about the history, under the checker's name. */
interface Finding {
  checker: string;
  result: CheckResult;
}

/**
 * The checkers a history gets. Today that is linearizability; a run directory will add the set, counter and queue
 * checkers its workloads declared (read from the run's saved test config), each one more entry in this list.
 */
function checkersFor(model: ModelName, timeoutMs: number, first: boolean): Checker[] {
  const linearizable: Checker<LinearizabilityResult> = {
    name: "linearizable",
    check: (history: History) =>
      checkLinearizable(history, modelByName(model), { timeoutMs, stopAtFirstIllegal: first }),
  };
  return [linearizable];
}

export async function runCheck(path: string, opts: CheckOptions): Promise<number> {
  const timeoutMs = parseTimeout(opts.timeout);
  const loaded = await loadHistory(path, parseFormatChoice(opts.format), { requireOps: true });
  for (const w of loaded.warnings) warn(w);

  if (opts.exportEdn) {
    const { writeEdnHistory } = await import("../../history/edn-writer.js");
    await writeEdnHistory(opts.exportEdn, loaded.history).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot write ${opts.exportEdn}: ${err.code ?? err.message}`);
    });
    say(`wrote ${loaded.history.length} ops as Jepsen EDN to ${opts.exportEdn}`);
  }

  if (loaded.runDir !== undefined && existsSync(join(loaded.runDir, "test.json"))) {
    if (opts.first) {
      throw new UsageError(
        "--first applies to a history file",
        "a run directory is checked as its run checked it: every key, within the time limit",
      );
    }
    return checkRun(loaded, timeoutMs, !!opts.json);
  }

  if (opts.model === LIST_APPEND || (opts.model === "auto" && loaded.history.some((op) => op.f === TXN)))
    return checkTransactions(loaded, opts);
  const modelChoice = opts.model as ModelName | "auto";
  const model = modelChoice === "auto" ? detectModel(loaded.history) : modelChoice;
  checkOpShapes(loaded.history, loaded, () => modelByName(model), "model");
  const findings: Finding[] = [];
  for (const checker of checkersFor(model, timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS, !!opts.first)) {
    findings.push({ checker: checker.name, result: await checker.check(loaded.history) });
  }
  const lin = findings.find((f) => f.checker === "linearizable")!.result as LinearizabilityResult;
  // Nothing recorded is not evidence of correctness: a run that died before its first op must not pass.
  if (lin.ops === 0) {
    lin.valid = "unknown";
    lin.reason = "the history has no client operations, so there is nothing to check";
  }
  const valid = mergeVerdicts(findings.map((f) => f.result.valid));

  if (opts.json) {
    printJson({
      ...lin,
      valid,
      file: loaded.file,
      format: loaded.format,
      modelChosen: modelChoice === "auto" ? "auto" : "given",
      warnings: loaded.warnings,
    });
  }
  const answer = answerer(opts.json);
  for (const line of summarise(loaded, lin, valid, modelChoice === "auto")) answer(line);
  return exitCodeFor(valid);
}

/**
 * Transactions over lists (Elle's list-append, `:f :txn`): checked by the list-append checker against the chosen
 * consistency model instead of for linearizability. Its anomalies are printed with their cycles' sentences.
 */
async function checkTransactions(loaded: LoadedHistory, opts: CheckOptions): Promise<number> {
  const { checkListAppend, txnOpProblem } = await import("../../checker/list-append/index.js");
  const { listAppendLines } = await import("../../checker/list-append/view.js");
  if (opts.first)
    throw new UsageError("--first applies to linearizability checks", "drop --first for --model list-append");
  checkOpShapes(loaded.history, loaded, () => ({ name: LIST_APPEND, checkOp: txnOpProblem }), "model");
  const r = checkListAppend(loaded.history, { consistency: opts.consistency as ConsistencyModel });
  if (opts.json)
    printJson({ checker: LIST_APPEND, ...r, file: loaded.file, format: loaded.format, warnings: loaded.warnings });
  const answer = answerer(opts.json);
  const k = c();
  const colour = r.valid === true ? k.green : r.valid === false ? k.red : k.yellow;
  answer(`${k.bold("history")}   ${loaded.file} (${loaded.format}, ${loaded.history.length} entries)`);
  answer(`${k.bold("model")}     list-append, checked against ${r.consistency}`);
  answer(
    `${k.bold("verdict")}   ${colour(r.valid === true ? "valid" : r.valid === false ? "INVALID" : "undecided")}${r.reason ? `: ${r.reason}` : ""}`,
  );
  for (const line of listAppendLines(r)) answer(`  ${line}`);
  return exitCodeFor(r.valid);
}

/**
 * A run directory gets every checker its workloads declared (set, counter, queue, linearizability), exactly as
 * `splitbrain run` ran them, and its results.json is rewritten. A directory that cannot take results.json (read-only,
 * another user's) still gets its verdict shown and its exit code; only the saving is given up, with a warning.
 */
async function checkRun(loaded: LoadedHistory, timeoutMs: number | undefined, json: boolean): Promise<number> {
  const dir = loaded.runDir!;
  // The run machinery (its record schemas, every workload) is only needed for a run directory; a history file is
  // checked without loading it, which keeps `check` of a small file quick to start.
  const { checkHistory, readTestRecord, summaryLines, verdictWord } = await import("../../runner/checkRun.js");
  const { figureLines } = await import("../../metrics/describe.js");
  const { writeRunResults } = await import("../../rundir/evidence.js");
  const test = readTestRecord(dir);
  const t0 = performance.now();
  const results = await checkHistory(
    loaded.history,
    test,
    timeoutMs ?? test.plan.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
    loaded,
  );
  results.stats.checkMs = Math.round(performance.now() - t0);
  const unsaved = saveResults(dir, () => writeRunResults(dir, results));
  // The whole evidence, inline, as before evidence files: a tool reading stdout has no run directory to look in.
  if (json) printJson({ ...results, runDir: dir, ...(unsaved ? { unsaved } : {}) });
  const answer = answerer(json);
  const k = c();
  answer(
    `${k.bold("run")}       ${dir} (${loaded.history.length} entries; workloads ${test.plan.workloads.join(", ")})`,
  );
  const colour = results.valid === true ? k.green : results.valid === false ? k.red : k.yellow;
  answer(
    `${k.bold("verdict")}   ${colour(verdictWord(results.valid))}${results.incomplete ? k.yellow(` (run incomplete: ${results.incomplete})`) : ""}`,
  );
  for (const line of summaryLines(results)) answer(`  ${line}`);
  for (const line of figureLines(results, test.plan)) answer(`  ${line}`);
  for (const o of results.checkers) {
    if (o.checker === "linearizable" && o.result.valid === false) {
      for (const a of (o.result as LinearizabilityResult).anomalies.slice(0, 3)) {
        answer("");
        for (const line of describeCounterexample(a)) answer("  " + line);
      }
    }
  }
  if (unsaved)
    warn(`could not save ${unsaved.path} (${unsaved.reason}); the verdict above was not written to the run directory`);
  return exitCodeFor(results.valid);
}

/**
 * Writes results.json (and its evidence files) into the run directory; says why not instead of throwing, so the
 * verdict still shows.
 */
function saveResults(dir: string, write: () => unknown): { path: string; reason: string } | undefined {
  const path = join(dir, "results.json");
  try {
    write();
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason =
      e.code === "EACCES" || e.code === "EPERM"
        ? `${e.code}: no permission to write there`
        : e.code === "EROFS"
          ? "EROFS: the file system is read-only"
          : e.code === "EISDIR"
            ? "EISDIR: a directory is in its place"
            : (e.code ?? e.message);
    return { path, reason };
  }
}

const VERDICT_WORDS: Record<string, string> = {
  true: "linearizable",
  false: "NOT linearizable",
  unknown: "undecided",
};

/** The human summary: what was read, the verdict in words, and for a failure the counterexample in words. */
export function summarise(
  loaded: LoadedHistory,
  lin: LinearizabilityResult,
  valid: Verdict,
  autoModel: boolean,
): string[] {
  const k = c();
  const clients = loaded.history.filter(isClientOp).length;
  const faults = loaded.history.length - clients;
  const out = [
    `${k.bold("history")}   ${loaded.file} (${loaded.format}, ${loaded.history.length} entries: ${lin.ops} client ops` +
      (faults ? `, ${faults} nemesis entries` : "") +
      ")",
    `${k.bold("model")}     ${lin.model}${autoModel ? " (detected from the ops)" : ""}`,
    `${k.bold("checked")}   ${lin.partitions} partition(s) in ${formatMs(lin.stats.checkMs)}` +
      (lin.stats.pendingOps ? `, ${lin.stats.pendingOps} indeterminate` : "") +
      (lin.stats.failedOps ? `, ${lin.stats.failedOps} failed (did not happen)` : ""),
  ];
  const colour = valid === true ? k.green : valid === false ? k.red : k.yellow;
  out.push(`${k.bold("verdict")}   ${colour(VERDICT_WORDS[String(valid)]!)}${lin.reason ? ": " + lin.reason : ""}`);
  const lineOf = new Map<number, number>();
  loaded.history.forEach((op, i) => lineOf.set(op.index, loaded.lines[i]!));
  for (const anomaly of lin.anomalies.slice(0, 3)) {
    out.push("");
    for (const line of describeCounterexample(anomaly)) out.push("  " + line);
    const ids = [anomaly.blockedBy, ...anomaly.stuck.map((s) => s.id)].filter((id): id is number => id !== null);
    const where = [...new Set(ids)].slice(0, 8).map((id) => `op ${id} is line ${lineOf.get(id) ?? "?"}`);
    if (where.length) out.push("  " + k.dim(`(ops are numbered from 0 in file order: ${where.join(", ")})`));
  }
  if (lin.anomalies.length > 3)
    out.push("", `  ... and ${lin.anomalies.length - 3} more partition(s); --json has them all`);
  out.push(...describeUndecided(lin));
  return out;
}

/** The partitions left without a verdict, largest first, so a reader sees which keys the verdict does not cover. */
export function describeUndecided(lin: LinearizabilityResult, shown = 10): string[] {
  const lines = undecidedLines(lin, shown);
  return lines.length ? ["", ...lines.map((l) => `  ${l}`)] : [];
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * `check` with a plain line (one history, options from the short list below, each `--name value`) is answered
 * without commander: commander (which requires child_process and more of Node's own modules) was a large share of
 * `check` of a small history, which otherwise costs little more than Node's start. Anything else (help, a mistake,
 * `--name=value`, an option commander would refuse) returns undefined and goes through commander, which explains it.
 * The choices and defaults are the command's (check.ts takes them from here); test/unit/check-command.test.ts holds
 * the two paths equal.
 */
export function quickCheckOptions(args: readonly string[]): { path: string; opts: CheckOptions } | undefined {
  const opts: CheckOptions = { ...CHECK_DEFAULTS };
  let path: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--json" || a === "--first") {
      opts[a === "--json" ? "json" : "first"] = true;
      continue;
    }
    const valued = VALUED[a];
    if (valued !== undefined) {
      const v = args[++i];
      if (v === undefined || v.startsWith("-")) return undefined;
      if (valued !== "timeout" && valued !== "exportEdn" && !(CHECK_CHOICES[valued] as readonly string[]).includes(v))
        return undefined;
      opts[valued] = v;
      continue;
    }
    if (a.startsWith("-") || path !== undefined) return undefined;
    path = a;
  }
  return path === undefined ? undefined : { path, opts };
}

const VALUED: Record<string, "model" | "consistency" | "format" | "timeout" | "exportEdn"> = {
  "--model": "model",
  "--consistency": "consistency",
  "--format": "format",
  "--timeout": "timeout",
  "--export-edn": "exportEdn",
};

/** Answers a plain `check` line (the words after "check") without commander, or says undefined to leave it to it. */
export async function quickCheck(args: readonly string[]): Promise<number | undefined> {
  const q = quickCheckOptions(args);
  return q === undefined ? undefined : runCheck(q.path, q.opts);
}
