import type { RunPlan } from "../runner/plan.js";
import { type Difference, differences, METRICS, statsTable, type TargetStats, targetStats } from "./distributions.js";
import { differenceLines, targetExplanations } from "./explain.js";
import { listHtml, tableHtml } from "./html.js";
import { PICTURE_CSS, smallMultiples, stripPlot } from "./pictures.js";
import type { SequencedRun } from "./sequence.js";
import { renderText, type Tone } from "./table.js";

/**
 * What compare and audit conclude from their runs, built once for the JSON, the page and the terminal: per target
 * the figures' distributions and the versions that ran, the tested differences (every pair for compare, every cell
 * against the baseline for audit), and why. Pure.
 */
export interface Conclusions {
  targets: TargetStats[];
  differences: Difference[];
  /** Sentences: differences shown, then what is within noise. */
  verdicts: string[];
  /** Sentences: per target, the mechanisms behind its loss windows and what its settings could do. */
  why: string[];
}

export function conclude(
  labels: readonly string[],
  runs: readonly SequencedRun[],
  planOf: (label: string) => RunPlan | undefined,
  mode: "pairs" | "baseline",
): Conclusions {
  const targets = targetStats(labels, runs);
  const diffs = differences(targets, mode);
  const why = labels.flatMap((label) => {
    const figs = runs
      .filter((r) => r.label === label && r.status === "done" && r.figures && !r.figures.incomplete)
      .map((r) => r.figures!);
    return figs.length ? targetExplanations(label, figs, planOf(label)) : [];
  });
  return { targets, differences: diffs, verdicts: differenceLines(diffs), why };
}

/** The page's parts: the distribution table and sentences above the per-run table, the pictures below. */
export function conclusionsHtml(
  c: Conclusions,
  runs: readonly SequencedRun[],
): { before: string; pictures: string; css: string } {
  const before =
    `<h2>Over the runs</h2>` +
    tableHtml(statsTable(c.targets), "stats") +
    listHtml("Differences (exact permutation test on the per-run values)", c.verdicts) +
    listHtml("Why", c.why);
  const strips = METRICS.filter((m) =>
    ["lossWindowS", "lostFraction", "writeStallS", "availabilityTime"].includes(m.name),
  )
    .map((m) => stripPlot(c.targets, m))
    .join("");
  const multiples = smallMultiples(
    c.targets.map((t) => ({
      label: `${t.label} (${t.server})`,
      runs: runs
        .filter((r) => r.label === t.label && r.figures)
        .map((r) => ({
          label: `repeat ${r.repeat ?? 1}`,
          durationS: r.figures!.durationS,
          metrics: r.figures!.metrics,
        })),
    })),
  );
  return {
    before,
    pictures: `<h2>Per run</h2>${strips}<h2>Timelines</h2><p class="notes">Faults shaded; red: when the writes later lost had been acknowledged.</p>${multiples}`,
    css: PICTURE_CSS,
  };
}

export function conclusionsText(c: Conclusions, paint: (tone: Tone, text: string) => string): string {
  const lines = [renderText(statsTable(c.targets), paint), ""];
  for (const v of c.verdicts) lines.push(`  ${v}`);
  if (c.why.length) lines.push("", "why:");
  for (const w of c.why) lines.push(`  ${w}`);
  return lines.join("\n");
}
