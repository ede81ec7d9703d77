import { explainRun, explainSettingsOf, faultMechanism, MECHANISM_WORDS, type Mechanism } from "../metrics/explain.js";
import type { RunFigures } from "../metrics/load.js";
import type { RunPlan } from "../runner/plan.js";
import type { Difference, TargetStats } from "./distributions.js";

/**
 * The "why" of a comparison or audit, from the runs' figures and each target's settings: which mechanism ended
 * the loss windows over all its runs' faults, what the settings could not do (max-lag against the partitions'
 * length), and which differences are within run-to-run noise. Each sentence cites the figures it rests on. Pure.
 */

const rel = (x: number) => `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(1)} s`;

export function targetExplanations(label: string, figs: readonly RunFigures[], plan: RunPlan | undefined): string[] {
  const out: string[] = [];
  const tally = new Map<Mechanism, number>();
  let lossy = 0;
  let faults = 0;
  let lastEnds: number[] = [];
  const settingLines = new Map<string, number>();
  for (const f of figs) {
    const m = f.metrics;
    if (!m) continue;
    const settings = explainSettingsOf(plan, m.outcomes.info);
    for (const fault of m.faults) {
      faults++;
      const mech = faultMechanism(fault, settings);
      if (!mech) continue;
      lossy++;
      tally.set(mech, (tally.get(mech) ?? 0) + 1);
      lastEnds.push(fault.lostToS!);
    }
    // Sentences about the settings (not about one fault) repeat across runs; keep each once, with how often.
    for (const line of explainRun({ ...m, faults: [] }, settings))
      settingLines.set(line, (settingLines.get(line) ?? 0) + 1);
    const maxLagLine = explainRun(m, settings).find(
      (l) =>
        l.startsWith("min-replicas-max-lag") ||
        l.startsWith("every lost write") ||
        l.startsWith("lost writes were acknowledged as late"),
    );
    if (maxLagLine) settingLines.set(maxLagLine, (settingLines.get(maxLagLine) ?? 0) + 1);
  }
  if (faults === 0) return [`${label}: no fault was recorded in ${figs.length} run(s)`];
  if (lossy === 0) {
    out.push(`${label}: none of ${faults} fault(s) over ${figs.length} run(s) lost an acknowledged write`);
  } else {
    lastEnds = lastEnds.sort((a, b) => a - b);
    const parts = [...tally.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${MECHANISM_WORDS[k]} in ${n}`);
    out.push(
      `${label}: ${lossy} of ${faults} fault(s) over ${figs.length} run(s) lost acknowledged writes; the last lost write was acknowledged ${rel(lastEnds[0]!)} to ${rel(lastEnds[lastEnds.length - 1]!)} after the cut; the window ended because ${parts.join(", ")}`,
    );
  }
  for (const [line, n] of settingLines)
    out.push(`${label}: ${line}${figs.length > 1 ? ` (${n} of ${figs.length} runs)` : ""}`);
  return out;
}

/** Differences shown first, then a single line for the figures where the runs cannot tell the targets apart. */
export function differenceLines(diffs: readonly Difference[]): string[] {
  const shown = diffs.filter((d) => d.direction !== "none").map((d) => d.verdict);
  const noise = diffs.filter((d) => d.direction === "none" && d.p !== null);
  const out = [...shown];
  if (noise.length) {
    const floor = noise.find((d) => d.minP !== null && d.minP >= 0.05);
    out.push(
      `within run-to-run noise: ${noise.map((d) => `${d.a} vs ${d.b} ${d.metric} (p = ${d.p!.toFixed(2)})`).join("; ")}` +
        (floor
          ? `; with ${floor.nA} and ${floor.nB} runs no exact test can reach p < 0.05 (smallest possible p = ${floor.minP!.toFixed(2)})`
          : ""),
    );
  }
  return out;
}

/** The table's caption-like line per target: engine, version and how many runs each figure rests on. */
export function versionLine(targets: readonly TargetStats[]): string {
  return targets.map((t) => `${t.label}: ${t.server} (${t.completed} of ${t.planned} runs)`).join("; ");
}
