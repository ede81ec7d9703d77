import type { CheckResult } from "../checker/checker.js";
import { checkerKind } from "../checker/kinds.js";
import type { Verdict } from "../core/exit.js";
import type { RunResults } from "../rundir/record.js";
import { at, count, plural } from "./html.js";
import type { WriterSegment } from "./primary.js";
import type { FaultInterval, Timeline } from "./timeline.js";

/**
 * The report's first screen: the verdict in plain words and why, computed from the checkers' results and the
 * timeline. It restates evidence; it never judges the history itself.
 */
export interface VerdictText {
  valid: Verdict;
  /** "Anomalies found", "Valid", "Unknown", "Not checked". */
  word: string;
  headline: string;
  reasons: string[];
}

export function verdictText(
  results: RunResults | undefined,
  t: Timeline,
  writers: readonly WriterSegment[],
  describeFault: (f: FaultInterval) => string,
): VerdictText {
  if (!results) {
    return {
      valid: "unknown",
      word: "Not checked",
      headline: "This run has no results.json, so nothing has been checked yet.",
      reasons: [
        "Check it with `splitbrain check <run-dir>`, then rebuild this page with `splitbrain report <run-dir>`.",
      ],
    };
  }
  const reasons: string[] = [];
  const phrases: Array<{ phrase: string; rank: number }> = [];
  for (const c of results.checkers) {
    const label = `${c.workload}/${c.checker}`;
    if (c.result.valid === false) {
      const p = anomalyPhrase(c.checker, c.result, t, writers, describeFault);
      // Lost or corrupted data is what a reader must see first.
      phrases.push({ phrase: p.phrase, rank: checkerKind(c.checker).losesData ? 0 : 1 });
      reasons.push(`${label}: ${p.detail}`);
    } else if (c.result.valid === "unknown") {
      reasons.push(`${label} could not decide: ${c.result.reason ?? "no reason given"}`);
    } else {
      reasons.push(`${label}: valid${c.result.reason ? ` (${c.result.reason})` : ""}`);
    }
  }
  if (results.incomplete) reasons.unshift(`The run was incomplete: ${results.incomplete}.`);
  if (results.valid === false) {
    // Lost data leads the sentence; a linearizability violation on registers follows it.
    const ordered = phrases.sort((a, b) => a.rank - b.rank).map((p) => p.phrase);
    return { valid: false, word: "Anomalies found", headline: sentence(ordered.join("; ")), reasons };
  }
  if (results.valid === "unknown") {
    const why = results.checkers
      .filter((c) => c.result.valid === "unknown")
      .map((c) => `${c.workload}/${c.checker}: ${c.result.reason ?? "undecided"}`);
    const lead = results.incomplete ? [results.incomplete] : [];
    return {
      valid: "unknown",
      word: "Unknown",
      headline: sentence(`Unknown: ${[...lead, ...why].join("; ") || "a checker could not decide"}`),
      reasons,
    };
  }
  if (results.checkers.length === 0) {
    return { valid: "unknown", word: "Unknown", headline: "No checker ran, so nothing was verified.", reasons };
  }
  const faults = t.faults.length
    ? ` under ${plural(t.faults.length, "fault")} (${[...new Set(t.faults.map((f) => f.label))].join(", ")})`
    : " without faults";
  return {
    valid: true,
    word: "Valid",
    headline: `No anomalies: every checker accepted the ${count(t.ops.length)} client operations recorded${faults}.`,
    reasons,
  };
}

function sentence(text: string): string {
  const s = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

function anomalyPhrase(
  checker: string,
  r: CheckResult,
  t: Timeline,
  writers: readonly WriterSegment[],
  describeFault: (f: FaultInterval) => string,
): { phrase: string; detail: string } {
  const kind = checkerKind(checker);
  if (kind.anomaly)
    return kind.anomaly(r, { t, lossContext: (ackedAt) => lossContext(ackedAt, t, writers, describeFault) });
  return { phrase: `${checker} found anomalies${r.reason ? `: ${r.reason}` : ""}`, detail: r.reason ?? "anomalies" };
}

/**
 * Where lost writes sit relative to faults and primary changes: the span of their acknowledgements, the fault
 * active (or last started) then, and the first change of the writing node after the first lost write.
 */
export function lossContext(
  ackedAt: number[],
  t: Timeline,
  writers: readonly WriterSegment[],
  describeFault: (f: FaultInterval) => string,
): string {
  if (ackedAt.length === 0) return "";
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of ackedAt) (lo = Math.min(lo, m)), (hi = Math.max(hi, m));
  const fault =
    t.faults
      .filter((f) => f.from <= hi)
      .sort((a, b) => b.from - a.from)
      .find((f) => f.to >= lo) ?? t.faults.filter((f) => f.from <= lo).pop();
  const parts: string[] = [];
  if (fault) parts.push(`after ${describeFault(fault)} at ${at(fault.from, t.timed)}`);
  const change = writers.findIndex((w, i) => i > 0 && w.from >= lo && w.nodes.join() !== writers[i - 1]!.nodes.join());
  if (change > 0) {
    const w = writers[change]!;
    const prev = writers[change - 1]!;
    const promoted = w.nodes.filter((n) => !prev.nodes.includes(n));
    parts.push(
      promoted.length
        ? `${promoted.join(" and ")} began acknowledging writes at ${at(w.from, t.timed)}${w.nodes.length > 1 ? ` (alongside ${w.nodes.filter((n) => !promoted.includes(n)).join(", ")})` : ` instead of ${prev.nodes.join(", ")}`}`
        : `${prev.nodes.filter((n) => !w.nodes.includes(n)).join(", ")} stopped acknowledging writes at ${at(w.from, t.timed)}`,
    );
  }
  const span =
    lo === hi ? `acknowledged at ${at(lo, t.timed)}` : `acknowledged between ${at(lo, t.timed)} and ${at(hi, t.timed)}`;
  return ` (${span})${parts.length ? ` ${parts.join(", and ")}` : ""}`;
}
