import type { SummaryMetrics } from "../metrics/summary.js";
import type { MetricDef, TargetStats } from "./distributions.js";
import { escapeHtml as esc } from "./html.js";

/**
 * The pictures of compare.html and audit.html, inline SVG (no script, nothing fetched): a strip plot per figure
 * (every run a dot, the median a bar, one row per target), and each run's timeline as a small multiple with its
 * faults shaded and the span in which the writes later lost had been acknowledged. Pure.
 */

const ROW = 22;
const LEFT = 220;
const WIDTH = 640;
const PLOT = WIDTH - LEFT - 20;

export function stripPlot(targets: readonly TargetStats[], metric: MetricDef): string {
  const all = targets.flatMap((t) => t.metrics[metric.name]!.values);
  if (all.length === 0) return "";
  const max = Math.max(...all, 0);
  const min = Math.min(...all, 0);
  const span = max - min || 1;
  const x = (v: number) => LEFT + ((v - min) / span) * PLOT;
  const h = targets.length * ROW + 30;
  const rows = targets
    .map((t, i) => {
      const y = 14 + i * ROW;
      const d = t.metrics[metric.name]!;
      const dots = d.values
        .map(
          (v) =>
            `<circle cx="${x(v).toFixed(1)}" cy="${y}" r="4" fill="#2f6f9f" fill-opacity="0.6"><title>${esc(metric.format(v))}</title></circle>`,
        )
        .join("");
      const med =
        d.median === null
          ? ""
          : `<line x1="${x(d.median).toFixed(1)}" x2="${x(d.median).toFixed(1)}" y1="${y - 8}" y2="${y + 8}" stroke="#1b1b1b" stroke-width="2"><title>median ${esc(metric.format(d.median))}</title></line>`;
      return `<text x="${LEFT - 8}" y="${y + 4}" text-anchor="end">${esc(`${t.label} (${t.server})`.slice(0, 34))}</text><line x1="${LEFT}" x2="${LEFT + PLOT}" y1="${y}" y2="${y}" stroke="#eee"/>${dots}${med}`;
    })
    .join("");
  const axisY = targets.length * ROW + 8;
  const axis = `<text x="${LEFT}" y="${axisY + 14}">${esc(metric.format(min))}</text><text x="${LEFT + PLOT}" y="${axisY + 14}" text-anchor="end">${esc(metric.format(max))}</text>`;
  return `<figure><figcaption>${esc(metric.label)}: each dot one run, the bar the median</figcaption><svg viewBox="0 0 ${WIDTH} ${h}" width="${WIDTH}" role="img" xmlns="http://www.w3.org/2000/svg" font-size="11">${rows}${axis}</svg></figure>`;
}

export interface RunPicture {
  label: string;
  /** Seconds of workload. */
  durationS: number | null;
  metrics: SummaryMetrics | undefined;
}

const TW = 300;
const TH = 54;

/** One run as a strip of time: faults shaded, the loss window (acknowledgements later lost) in red. */
export function runTimeline(r: RunPicture): string {
  const m = r.metrics;
  const end = Math.max(r.durationS ?? 0, ...(m?.faults.map((f) => f.toS) ?? [0]), 1);
  const x = (s: number) => 4 + (Math.max(0, Math.min(s, end)) / end) * (TW - 8);
  const faults = (m?.faults ?? [])
    .map(
      (f) =>
        `<rect x="${x(f.fromS).toFixed(1)}" y="8" width="${Math.max(1, x(f.toS) - x(f.fromS)).toFixed(1)}" height="${TH - 24}" fill="#e6a4a4" fill-opacity="0.45"><title>${esc(`${f.fault} ${f.n}: ${f.fromS.toFixed(1)}–${f.toS.toFixed(1)} s`)}</title></rect>`,
    )
    .join("");
  const losses = (m?.faults ?? [])
    .filter((f) => f.lostFromS !== null)
    .map((f) => {
      const at = f.fromS + f.applyS;
      const a = x(at + f.lostFromS!);
      const b = Math.max(a + 2, x(at + f.lostToS!));
      return `<rect x="${a.toFixed(1)}" y="${TH - 14}" width="${(b - a).toFixed(1)}" height="6" fill="#d1495b"><title>${esc(`${f.lostAcknowledged} lost, acknowledged ${f.lostFromS!.toFixed(1)} to ${f.lostToS!.toFixed(1)} s after the cut`)}</title></rect>`;
    })
    .join("");
  const caption = m
    ? `${r.label}: window ${m.lossWindowS === null ? "-" : `${m.lossWindowS.toFixed(1)} s`}, lost ${m.lostFraction === null ? "-" : `${(m.lostFraction * 100).toFixed(1)}%`}`
    : `${r.label}: no figures`;
  return `<figure class="run"><figcaption>${esc(caption)}</figcaption><svg viewBox="0 0 ${TW} ${TH}" width="${TW}" role="img" xmlns="http://www.w3.org/2000/svg"><rect x="4" y="8" width="${TW - 8}" height="${TH - 24}" fill="#fff" stroke="#ccc"/>${faults}${losses}<text x="4" y="${TH - 1}" font-size="10">0 s</text><text x="${TW - 4}" y="${TH - 1}" font-size="10" text-anchor="end">${end.toFixed(0)} s</text></svg></figure>`;
}

export function smallMultiples(groups: ReadonlyArray<{ label: string; runs: RunPicture[] }>): string {
  return groups
    .map((g) => `<h3>${esc(g.label)}</h3><div class="multiples">${g.runs.map(runTimeline).join("")}</div>`)
    .join("");
}

export const PICTURE_CSS = `.multiples { display: flex; flex-wrap: wrap; gap: .5em; } figure { margin: .5em 0; } figure.run figcaption { font-size: 12px; } figcaption { color: #444; }`;
