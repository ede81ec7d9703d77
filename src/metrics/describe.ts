import type { RunResults, TestRecord } from "../rundir/record.js";
import { explainRun, explainSettingsOf } from "./explain.js";
import type { SummaryMetrics } from "./summary.js";

/**
 * summary.metrics in a few lines for the terminal, JUnit and the report: what was lost as a share of what was
 * acknowledged, when (relative to each fault), and how long writes were unavailable. Pure.
 */

export const pct = (x: number | null, digits = 1) => (x === null ? "-" : `${(x * 100).toFixed(digits)}%`);
const s1 = (x: number) => `${x.toFixed(1)} s`;
const rel = (x: number) => `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(1)} s`;

export function metricLines(m: SummaryMetrics): string[] {
  const out: string[] = [];
  const bound = m.lostIsLowerBound ? " (at least: a checker could not decide)" : "";
  if (m.lostAcknowledged !== null && m.acknowledged !== null) {
    out.push(
      `acknowledged writes lost: ${m.lostAcknowledged} of ${m.acknowledged} (${pct(m.lostFraction, 2)})${bound}`,
    );
  }
  if (m.lossWindowS !== null) {
    const lossy = m.faults.filter((f) => f.lostFromS !== null);
    const per = lossy.map((f) => `${f.fault} ${f.n}: ${rel(f.lostFromS!)} to ${rel(f.lostToS!)}`);
    const clean = m.faults.length - lossy.length;
    out.push(
      `loss window: ${s1(m.lossWindowS)}` +
        (per.length
          ? ` (acknowledged relative to each fault's cut, then lost: ${per.join("; ")}${clean ? `; ${clean} fault(s) lost none` : ""})`
          : m.faults.length
            ? ` (none of ${m.faults.length} fault(s) lost an acknowledged write)`
            : "") +
        (m.lostOutsideFaults ? `; ${m.lostOutsideFaults} lost write(s) were acknowledged before any fault` : ""),
    );
  }
  const stalls = m.faults.filter((f) => f.writeStallS > 0).map((f) => `${f.fault} ${f.n}: ${s1(f.writeStallS)}`);
  if (m.writeStallS !== null)
    out.push(`longest write stall: ${s1(m.writeStallS)}${stalls.length ? ` (per fault: ${stalls.join("; ")})` : ""}`);
  out.push(
    `availability: ${pct(m.availabilityOps)} of ops ok, ${pct(m.availabilityTime)} of 100 ms slices with an acknowledged write`,
  );
  return out;
}

/** The figures and their explanations for a checked run; nothing when results.json predates summary.metrics. */
export function figureLines(results: Pick<RunResults, "summary">, plan: TestRecord["plan"] | undefined): string[] {
  const m = (results.summary as { metrics?: SummaryMetrics } | undefined)?.metrics;
  if (!m) return [];
  return [...metricLines(m), ...explainRun(m, explainSettingsOf(plan, m.outcomes.info))];
}
