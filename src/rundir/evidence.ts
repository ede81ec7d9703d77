import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CheckResult } from "../checker/checker.js";
import type { CheckerOutcome, RunResults } from "./record.js";
import { readJsonFile } from "./schemas.js";

/**
 * Bulky evidence lives beside results.json, not in it. Lost-element lists and counterexample rows grow with the run
 * (a default 60 s run held 48 MB of them), and every reader of results.json that wants only the verdicts, the figures
 * or the first few examples would otherwise parse all of it. A checker whose result is small stays inline, exactly
 * as before; a large one is written whole to `evidence/<workload>-<checker>.json` and results.json keeps its counts,
 * the first few items of each long list and the file's name (`evidence` on the checker entry).
 */

export const EVIDENCE_DIR = "evidence";

/** A checker result whose JSON is at most this long stays inline in results.json. */
export const INLINE_RESULT_BYTES = 64 * 1024;

/** Items of each long list results.json keeps; fewer when even that leaves the entry above INLINE_RESULT_BYTES. */
const KEPT_ITEMS = [20, 5, 1, 0];

/** The checker entry's pointer to its full result. */
export interface EvidenceRef {
  /** Path of the full result, relative to the run directory (`evidence/set-set.json`). */
  file: string;
  /** Full length of every list results.json shortened, by its path in `result` (`lost`, `anomalies.0.rows`). */
  lists: Record<string, number>;
}

export function evidenceFileName(workload: string, checker: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_");
  return `${EVIDENCE_DIR}/${safe(workload)}-${safe(checker)}.json`;
}

/** `value` with every list longer than `keep` cut to its first `keep` items; `lists` gets each cut list's length. */
function shorten(value: unknown, keep: number, path: string, lists: Record<string, number>): unknown {
  if (Array.isArray(value)) {
    if (value.length > keep) lists[path] = value.length;
    return value.slice(0, keep).map((v, i) => shorten(v, keep, `${path}.${i}`, lists));
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = shorten(v, keep, path ? `${path}.${k}` : k, lists);
    return out;
  }
  return value;
}

/**
 * Writes results.json and, for each checker with a large result, its evidence file; returns what results.json holds.
 * Each result is serialised on its own so the peak is one checker's evidence, not the whole run's. Evidence files of
 * checkers that are now inline are removed, so a re-check never leaves a stale file that results.json does not name.
 */
export function writeRunResults(dir: string, results: RunResults): RunResults {
  const checkers: CheckerOutcome[] = [];
  for (const outcome of results.checkers) {
    const { evidence: _old, ...rest } = outcome;
    const file = evidenceFileName(outcome.workload, outcome.checker);
    const text = JSON.stringify(outcome.result);
    if (text.length <= INLINE_RESULT_BYTES) {
      rmSync(join(dir, file), { force: true });
      checkers.push(rest);
      continue;
    }
    mkdirSync(join(dir, EVIDENCE_DIR), { recursive: true });
    writeFileSync(join(dir, file), text + "\n");
    checkers.push({ ...rest, ...inlineSummary(outcome.result, file) });
  }
  const slim: RunResults = { ...results, checkers };
  writeFileSync(join(dir, "results.json"), JSON.stringify(slim, null, 2) + "\n");
  return slim;
}

/** The shortened result results.json holds for a large one, and its reference. */
export function inlineSummary(result: CheckResult, file: string): { result: CheckResult; evidence: EvidenceRef } {
  let lists: Record<string, number> = {};
  let short = result;
  for (const keep of KEPT_ITEMS) {
    lists = {};
    short = shorten(result, keep, "", lists) as CheckResult;
    if (JSON.stringify(short).length <= INLINE_RESULT_BYTES) break;
  }
  return { result: short, evidence: { file, lists } };
}

/** Whether results.json shortened this checker's evidence (its full result is in `evidence.file`). */
export function hasSideEvidence(outcome: CheckerOutcome): outcome is CheckerOutcome & { evidence: EvidenceRef } {
  return outcome.evidence !== undefined;
}

/**
 * The checker's full result: its evidence file where results.json names one, else the entry itself (results.json
 * files written before evidence files held everything inline).
 */
export function fullResult(dir: string, outcome: CheckerOutcome): CheckResult {
  if (!hasSideEvidence(outcome)) return outcome.result;
  const hint = `results.json names this evidence file; both are rewritten from the history by: splitbrain check ${dir}`;
  return readJsonFile(join(dir, outcome.evidence.file), hint) as CheckResult;
}

/** Results with every checker's full evidence, as `check` computed them; what readers that draw or count rows use. */
export function withFullEvidence(dir: string, results: RunResults): RunResults {
  return {
    ...results,
    checkers: results.checkers.map((o) => (hasSideEvidence(o) ? { ...o, result: fullResult(dir, o) } : o)),
  };
}
