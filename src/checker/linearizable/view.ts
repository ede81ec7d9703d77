import { count, esc, plural } from "../../core/html.js";
import type { CheckerKind } from "../kind.js";
import { EXAMPLES } from "../view.js";
import { counterexampleSection } from "./drawing.js";
import type { LinearizabilityResult } from "./index.js";

/** Drawings for the first few counterexamples; the rest are named, since each is a separate key's failure. */
const DRAWN_COUNTEREXAMPLES = 3;

/**
 * How the linearizability checker shows itself. It judges the ops recorded, so its verdict stands on a run cut short,
 * and its merged verdict is a run figure of its own (compare's "linearizable" row, scenario expectations).
 */
export const linearizableKind: CheckerKind<LinearizabilityResult> = {
  name: "linearizable",
  judgesRecordedOpsOnly: true,
  verdictFigure: "linearizable",

  section(r) {
    const out = [
      `<p>${count(r.ops)} ops over ${plural(r.partitions, "key")} (model ${esc(r.model)}); ${count(r.stats.failedOps)} failed ops left out, ${count(r.stats.pendingOps)} pending.</p>`,
    ];
    if (r.stats.undecided.length) {
      out.push(
        `<p>Undecided: ${r.stats.undecided.map((u) => esc(`${String(u.key)} (${u.ops} ops, ${u.limit})`)).join(", ")}.</p>`,
      );
    }
    r.anomalies.slice(0, DRAWN_COUNTEREXAMPLES).forEach((c) => out.push(counterexampleSection(c)));
    if (r.anomalies.length > DRAWN_COUNTEREXAMPLES) {
      const rest = r.anomalies.slice(DRAWN_COUNTEREXAMPLES).map((c) => esc(c.key === null ? "history" : String(c.key)));
      out.push(
        `<p>Also not linearizable (not drawn): ${rest.join(", ")}. <code>splitbrain check</code> on the run directory describes each.</p>`,
      );
    }
    return out.join("\n");
  },

  anomaly(l) {
    const keys = l.anomalies.map((a) => (a.key === null ? "the history" : String(a.key)));
    const phrase = `the ${l.model} history is not linearizable on ${plural(l.anomalies.length, "key")} (${keys.slice(0, 3).join(", ")}${keys.length > 3 ? ", …" : ""})`;
    return { phrase, detail: l.reason ?? phrase };
  },

  summaryLines: (r) => undecidedLines(r),

  failureLines(r) {
    // Older results.json files may lack the counterexamples.
    const anomalies = (r as Partial<LinearizabilityResult>).anomalies ?? [];
    return anomalies
      .slice(0, EXAMPLES)
      .map(
        (a) =>
          `  key ${JSON.stringify(a.key)}: stuck in state ${a.stateAfterPrefix}${a.blockedBy !== null ? `, op ${a.blockedBy} cannot be linearized` : ""}`,
      );
  },

  junitSeconds: (r) => Number((r as Partial<LinearizabilityResult>).stats?.checkMs ?? 0) / 1000,
};

const LIMIT_WORDS = {
  timeout: "out of time",
  cache: "cache cap reached",
  stopped: "not searched (--first)",
} as const;

/**
 * The partitions left without a verdict, largest first, so a reader of the text summary sees which keys the verdict
 * does not cover (the decided ones keep theirs). Empty when every key was decided.
 */
export function undecidedLines(r: LinearizabilityResult, shown = 10): string[] {
  // Older results.json files may lack the stats.
  const u = [...((r as Partial<LinearizabilityResult>).stats?.undecided ?? [])].sort((a, b) => b.ops - a.ops);
  if (!u.length) return [];
  const name = (k: string | number | null): string => (k === null ? "the history" : `key ${JSON.stringify(k)}`);
  const out = [`undecided: ${u.length} partition(s)`];
  for (const x of u.slice(0, shown)) out.push(`  ${name(x.key)}: ${x.ops} ops, ${LIMIT_WORDS[x.limit]}`);
  if (u.length > shown) out.push(`  ... and ${u.length - shown} more; --json has them all`);
  return out;
}
