import { at, count, esc } from "./html.js";
import type { FaultInterval, Outcome, Timeline } from "./timeline.js";

/**
 * Inline SVG charts: latency of every op and throughput over time, with fault intervals shaded. A chart is a pure
 * function of the timeline. Points are drawn as zero-length round-capped path segments, one path per outcome,
 * which costs ~12 bytes a point instead of ~50 for a <circle>.
 */

export const COLOURS: Record<Outcome, string> = { ok: "#2f6f9f", fail: "#d1495b", info: "#e59400" };
/** Most points a latency chart draws; beyond this the page gets slow to open. */
export const POINT_BUDGET = 20_000;

const W = 1000;
const H = 240;
const M = { left: 64, right: 12, top: 22, bottom: 30 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

export interface Point {
  x: number;
  y: number;
  outcome: Outcome;
}

/**
 * Cuts a point cloud to at most `budget` points without hiding an outcome class: points that land on the same
 * 2-pixel cell of the same class are drawn once (they would look identical), then, if still too many, ok points
 * are thinned first, evenly over time; fail and info points keep at least half the budget, and every class that
 * had a point keeps one.
 */
export function downsample(points: readonly Point[], budget = POINT_BUDGET): Point[] {
  const cells = new Set<string>();
  const byClass: Record<Outcome, Point[]> = { ok: [], fail: [], info: [] };
  for (const p of points) {
    const cell = `${p.outcome}:${Math.round(p.x / 2)}:${Math.round(p.y / 2)}`;
    if (cells.has(cell)) continue;
    cells.add(cell);
    byClass[p.outcome].push(p);
  }
  const total = byClass.ok.length + byClass.fail.length + byClass.info.length;
  if (total <= budget) return [...byClass.ok, ...byClass.info, ...byClass.fail];
  const rare = byClass.fail.length + byClass.info.length;
  const rareBudget = Math.min(rare, Math.max(Math.floor(budget / 2), budget - byClass.ok.length));
  const shareOf = (n: number) => (rare === 0 ? 0 : Math.max(n > 0 ? 1 : 0, Math.floor((rareBudget * n) / rare)));
  const info = thin(byClass.info, shareOf(byClass.info.length));
  const fail = thin(byClass.fail, shareOf(byClass.fail.length));
  const ok = thin(byClass.ok, Math.max(byClass.ok.length > 0 ? 1 : 0, budget - info.length - fail.length));
  return [...ok, ...info, ...fail];
}

/** Every k-th point (by position), so what is kept stays spread over the whole run. */
function thin(points: Point[], keep: number): Point[] {
  if (points.length <= keep) return points;
  if (keep <= 0) return [];
  const step = points.length / keep;
  const out: Point[] = [];
  for (let i = 0; i < keep; i++) out.push(points[Math.floor(i * step)]!);
  return out;
}

/** Min and max without spreading into Math.min/max, which overflows the stack at ~100k arguments. */
export function extent(values: readonly number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

interface Axis {
  x(moment: number): number;
  end: number;
}

function xAxis(t: Timeline): Axis {
  const end = Math.max(t.end, 1);
  return { x: (m) => M.left + (m / end) * PW, end };
}

function niceTicks(max: number, n: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
  // The last tick is at or above max, so the axis always contains the data.
  const out: number[] = [];
  for (let v = 0; out.length === 0 || out[out.length - 1]! < max - 1e-9; v += step) out.push(v);
  return out;
}

function timeTicks(t: Timeline, ax: Axis): string {
  const unit = t.timed ? 1e9 : 1;
  return niceTicks(ax.end / unit, 8)
    .map((v) => {
      const x = ax.x(v * unit).toFixed(1);
      return `<line x1="${x}" x2="${x}" y1="${M.top + PH}" y2="${M.top + PH + 4}" stroke="#666"/><text x="${x}" y="${H - 10}" text-anchor="middle">${esc(at(v * unit, t.timed))}</text>`;
    })
    .join("");
}

/** Shaded, labelled fault intervals; overlapping labels move down a row. */
export function faultBands(faults: readonly FaultInterval[], ax: Axis): string {
  const rowsEnd: number[] = [];
  return faults
    .map((f) => {
      const x1 = ax.x(f.from);
      const x2 = Math.max(ax.x(f.to), x1 + 1);
      let row = rowsEnd.findIndex((e) => e < x1);
      if (row < 0) row = rowsEnd.push(0) - 1;
      rowsEnd[row] = x1 + f.label.length * 7 + 8;
      const title = `${f.label}${f.uncertain ? " (start indeterminate)" : ""}: ${f.closedBy === "stop" ? "active" : `active until the ${f.closedBy}`}`;
      return (
        `<g class="fault"><title>${esc(title)}</title>` +
        `<rect x="${x1.toFixed(1)}" y="${M.top}" width="${(x2 - x1).toFixed(1)}" height="${PH}" fill="${esc(f.colour)}" fill-opacity="0.35"${f.uncertain ? ' stroke-dasharray="4 3" stroke="#999"' : ""}/>` +
        `<text x="${(x1 + 3).toFixed(1)}" y="${M.top + 12 + row * 12}" class="flabel">${esc(f.label)}</text></g>`
      );
    })
    .join("");
}

/** A stretch of the run to point at: where the writes later lost had been acknowledged (moments of the timeline). */
export interface LossMark {
  from: number;
  to: number;
  label: string;
}

/**
 * Loss windows as red brackets over the plot: the span in which writes that were later lost had been acknowledged.
 * A window of one lost write still gets a visible 2 px mark.
 */
export function lossMarks(marks: readonly LossMark[], ax: Axis): string {
  return marks
    .map((m) => {
      const x1 = ax.x(m.from);
      const x2 = Math.max(ax.x(m.to), x1 + 2);
      return (
        `<g class="loss"><title>${esc(m.label)}</title>` +
        `<rect x="${x1.toFixed(1)}" y="${M.top}" width="${(x2 - x1).toFixed(1)}" height="${PH}" fill="#d1495b" fill-opacity="0.12" stroke="#d1495b" stroke-width="1"/>` +
        `<text x="${(x1 + 3).toFixed(1)}" y="${M.top + PH - 6}" fill="#a01f2f">lost acks</text></g>`
      );
    })
    .join("");
}

/** The heal after the workload: what follows is recovery and final reads, not the workload under faults. */
function healMark(t: Timeline, ax: Axis): string {
  if (t.healAt === undefined) return "";
  const x = ax.x(t.healAt).toFixed(1);
  return `<g><title>heal: every fault undone; recovery and final reads follow</title><line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + PH}" stroke="#555" stroke-dasharray="3 3"/><text x="${x}" y="${M.top - 4}" text-anchor="middle">heal</text></g>`;
}

/** Marks noted by hand during the run (`splitbrain mark`): a line each, its text on hover, numbered. */
function markLines(t: Timeline, ax: Axis): string {
  return t.marks
    .map((m, i) => {
      const x = ax.x(m.at).toFixed(1);
      return `<g class="mark"><title>${esc(`mark ${i + 1} at ${at(m.at, t.timed)}: ${m.text}`)}</title><line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + PH}" stroke="#2a6fb0" stroke-width="1.5"/><text x="${x}" y="${M.top - 4}" text-anchor="middle" fill="#2a6fb0">m${i + 1}</text></g>`;
    })
    .join("");
}

function frame(title: string, body: string, legend: string): string {
  return (
    `<figure><figcaption>${title}</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg">` +
    `<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="#fff" stroke="#ccc"/>${body}</svg>${legend}</figure>`
  );
}

function legend(items: Array<[string, string]>): string {
  return `<div class="legend">${items.map(([colour, label]) => `<span><i style="background:${colour}"></i>${label}</span>`).join("")}</div>`;
}

/** ok dots are wider: fail and info are drawn on top and must not paint over the many ok ops beneath them. */
function dotsPath(points: readonly Point[], colour: string, width: number): string {
  if (points.length === 0) return "";
  const d = points.map((p) => `M${p.x.toFixed(1)} ${p.y.toFixed(1)}h0`).join("");
  return `<path d="${d}" stroke="${colour}" stroke-width="${width}" stroke-linecap="round" fill="none"/>`;
}

export interface LatencyChart {
  svg: string;
  drawn: number;
  total: number;
}

/** Latency (log scale) of every completed op at its invocation moment, coloured by outcome. */
export function latencyChart(t: Timeline, budget = POINT_BUDGET, marks: readonly LossMark[] = []): LatencyChart {
  if (!t.timed)
    return { svg: `<p class="note">The history has no times, so latencies cannot be drawn.</p>`, drawn: 0, total: 0 };
  const ax = xAxis(t);
  const done = t.ops.filter((o) => o.end !== undefined);
  const lat = done.map((o) => Math.max((o.end! - o.start) / 1e6, 0.01));
  const lo = Math.floor(Math.log10(Math.min(extent(lat).min, 1)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(extent(lat).max, 1))));
  const y = (v: number) => M.top + PH - ((Math.log10(v) - lo) / (hi - lo)) * PH;
  const points: Point[] = done.map((o, i) => ({ x: ax.x(o.start), y: y(lat[i]!), outcome: o.outcome }));
  const kept = downsample(points, budget);
  const yTicks: string[] = [];
  for (let e = lo; e <= hi; e++) {
    const v = 10 ** e;
    const yy = y(v).toFixed(1);
    yTicks.push(
      `<line x1="${M.left}" x2="${M.left + PW}" y1="${yy}" y2="${yy}" stroke="#eee"/><text x="${M.left - 6}" y="${yy}" text-anchor="end" dy="4">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`,
    );
  }
  const body =
    yTicks.join("") +
    faultBands(t.faults, ax) +
    lossMarks(marks, ax) +
    (["ok", "info", "fail"] as Outcome[])
      .map((k) =>
        dotsPath(
          kept.filter((p) => p.outcome === k),
          COLOURS[k],
          k === "ok" ? 3 : 2,
        ),
      )
      .join("") +
    healMark(t, ax) +
    markLines(t, ax) +
    timeTicks(t, ax);
  const counts = { ok: 0, fail: 0, info: 0 };
  for (const p of points) counts[p.outcome]++;
  const caption =
    `Latency of every op (log scale), at its invocation` +
    (kept.length < points.length
      ? ` <span class="note">(${count(kept.length)} of ${count(points.length)} points drawn: identical pixels merged, ok thinned first; every fail and info class kept)</span>`
      : "");
  return {
    svg: frame(
      caption,
      body,
      legend([
        [COLOURS.ok, `ok (${count(counts.ok)})`],
        [COLOURS.info, `info (${count(counts.info)})`],
        [COLOURS.fail, `fail (${count(counts.fail)})`],
        ...(marks.length
          ? ([["#f6d3d8", `acknowledged, later lost (${marks.length} window(s))`]] as Array<[string, string]>)
          : []),
      ]),
    ),
    drawn: kept.length,
    total: points.length,
  };
}

export interface Buckets {
  width: number;
  ok: number[];
  fail: number[];
  info: number[];
}

/** Completions per time bucket by outcome; bucket width is a whole number of seconds (timed) or lines. */
export function throughputBuckets(t: Timeline, maxBuckets = 200): Buckets {
  const unit = t.timed ? 1e9 : 1;
  const span = Math.max(t.end, 1);
  const width = Math.max(1, Math.ceil(span / unit / maxBuckets)) * unit;
  const n = Math.max(1, Math.ceil(span / width));
  const b: Buckets = {
    width,
    ok: new Array<number>(n).fill(0),
    fail: new Array<number>(n).fill(0),
    info: new Array<number>(n).fill(0),
  };
  for (const o of t.ops) {
    const m = o.end ?? o.start;
    b[o.outcome][Math.min(n - 1, Math.floor(m / width))]!++;
  }
  return b;
}

export function throughputChart(t: Timeline): string {
  const b = throughputBuckets(t);
  const ax = xAxis(t);
  const unit = t.timed ? 1e9 : 1;
  // The last bucket is usually cut short by the end of the history; dividing by its full width would show a drop.
  const span = (i: number) => Math.max(Math.min(b.width, Math.max(t.end, 1) - i * b.width), b.width / 20) / unit;
  const rate = (k: Outcome) => b[k].map((c, i) => c / span(i));
  const max = Math.max(1, extent((["ok", "fail", "info"] as Outcome[]).flatMap(rate)).max);
  const ticks = niceTicks(max, 4);
  const top = ticks[ticks.length - 1]! || 1;
  const y = (v: number) => M.top + PH - (v / top) * PH;
  const line = (k: Outcome) => {
    const r = rate(k);
    if (r.every((v) => v === 0)) return "";
    const d = r
      .map((v, i) => `${i ? "L" : "M"}${ax.x(Math.min((i + 0.5) * b.width, ax.end)).toFixed(1)} ${y(v).toFixed(1)}`)
      .join("");
    return `<path d="${d}" stroke="${COLOURS[k]}" stroke-width="1.5" fill="none"/>`;
  };
  const yTicks = ticks
    .map(
      (v) =>
        `<line x1="${M.left}" x2="${M.left + PW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/><text x="${M.left - 6}" y="${y(v).toFixed(1)}" text-anchor="end" dy="4">${count(v)}</text>`,
    )
    .join("");
  const unitWord = t.timed ? "ops/s" : "ops per line";
  const body =
    yTicks +
    faultBands(t.faults, ax) +
    healMark(t, ax) +
    markLines(t, ax) +
    line("ok") +
    line("info") +
    line("fail") +
    timeTicks(t, ax);
  const caption = `Throughput (${unitWord}, completions per ${t.timed ? `${b.width / 1e9} s` : `${b.width} lines`})`;
  return frame(
    caption,
    body,
    legend([
      [COLOURS.ok, "ok"],
      [COLOURS.info, "info"],
      [COLOURS.fail, "fail"],
    ]),
  );
}
