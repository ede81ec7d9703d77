import { count, esc, plural } from "../core/html.js";
import type { CounterResult } from "./counter.js";
import type { CheckerKind } from "./kind.js";
import { fold, moment } from "./view.js";

/**
 * How the counter checker shows itself. Its lost writes are a shortfall of the final value, not single writes, so
 * they have no acknowledgement to time against faults (no lostInvocations, no canBeLost).
 */
export const counterKind: CheckerKind<CounterResult> = {
  name: "counter",
  losesData: true,

  section(r, t) {
    const out = [
      `<p>${count(r.adds.attempted)} increments: ${count(r.adds.acknowledged)} acknowledged (sum ${count(r.acknowledgedSum)}), ` +
        `${count(r.adds.failed)} failed, ${count(r.adds.indeterminate)} indeterminate (sum ${count(r.indeterminateSum)}); ${count(r.reads)} reads checked.</p>`,
    ];
    if (r.final) {
      const f = r.final;
      const inside = f.value >= f.lower && f.value <= f.upper;
      out.push(
        `<p>Final read: <b>${count(f.value)}</b>, possible range [${count(f.lower)}, ${count(f.upper)}] — ${inside ? "within bounds" : `<b class="bad">outside (${f.value < f.lower ? `${count(f.lower - f.value)} acknowledged increments missing` : `${count(f.value - f.upper)} more than possible`})</b>`}.</p>`,
      );
    }
    if (r.errors.length) {
      out.push(
        fold(
          "Reads outside their bounds",
          r.errors,
          ["read at", "op", "observed", "lower bound", "upper bound", "by"],
          (e) => [
            moment(t, e.op, "start"),
            esc(e.f),
            count(e.value),
            count(e.lower),
            count(e.upper),
            e.value < e.lower ? `${count(e.lower - e.value)} below` : `${count(e.value - e.upper)} above`,
          ],
        ),
      );
    }
    return out.join("\n");
  },

  anomaly(c) {
    const f = c.final;
    const phrase = `${plural(c.errors.length, "counter read")} fell outside what the acknowledged and indeterminate adds allow`;
    const fin = f ? `; final value ${count(f.value)}, possible range [${count(f.lower)}, ${count(f.upper)}]` : "";
    return { phrase: phrase + fin, detail: `${c.reason ?? phrase}${fin}.` };
  },

  failureLines(c) {
    const f = c.final;
    return f ? [`final value ${f.value}, possible range [${f.lower}, ${f.upper}]`] : [];
  },

  losses: {
    acknowledged: (r) => r.acknowledgedSum ?? 0,
    /**
     * How far the final value fell below what must be there. The lower bound already leaves out every increment that
     * may not have happened, so a value under it is missing acknowledged increments (in units of the counter).
     */
    lost: (r) => ({ acknowledged: r.final ? Math.max(0, r.final.lower - r.final.value) : 0, unacknowledged: 0 }),
  },
};
