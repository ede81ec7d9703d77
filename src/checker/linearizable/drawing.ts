import { count, esc, plural } from "../../core/html.js";
import type { OpRow, PartitionCounterexample } from "./counterexample.js";
import { describeCounterexample } from "./counterexample.js";

/**
 * A linearizability counterexample drawn as porcupine draws one: a row per process, a box per op from call to
 * return, ops of the longest linearizable prefix numbered in linearization order, the op the prefix cannot get
 * past in red, and the state after the prefix. It draws what the checker returned and never searches again.
 *
 * A partition can hold thousands of ops; the drawing keeps the neighbourhood of the failure (the end of the prefix,
 * the stuck ops and the blocking op) and says how many it left out. The x axis is event order, not time, as in
 * porcupine: concurrent ops stay readable however short they were.
 */

/** Most ops one drawing shows. */
export const MAX_DRAWN_OPS = 80;

export function selectWindow(c: PartitionCounterexample, max = MAX_DRAWN_OPS): OpRow[] {
  const all = c.rows.flatMap((r) => r.ops);
  const focusIds = new Set<number>([
    ...c.stuck.map((s) => s.id),
    ...(c.blockedBy !== null ? [c.blockedBy] : []),
    ...c.longestPrefix.slice(-8),
  ]);
  const focus = all.filter((o) => focusIds.has(o.id));
  if (focus.length === 0) return all.sort((a, b) => a.call - b.call).slice(0, max);
  const lo = Math.min(...focus.map((o) => o.call));
  const hi = Math.max(...focus.map((o) => o.ret ?? o.call));
  const overlapping = all.filter((o) => o.call <= hi && (o.ret ?? Infinity) >= lo);
  const mid = (lo + hi) / 2;
  // Focus ops always stay; the rest fill the budget nearest the middle of the window first.
  const rest = overlapping
    .filter((o) => !focusIds.has(o.id))
    .sort((a, b) => Math.abs(a.call - mid) - Math.abs(b.call - mid));
  return [...focus, ...rest.slice(0, Math.max(0, max - focus.length))];
}

export function counterexampleSvg(c: PartitionCounterexample, max = MAX_DRAWN_OPS): string {
  const ops = selectWindow(c, max);
  const shown = new Set(ops.map((o) => o.id));
  const rows = c.rows.filter((r) => r.ops.some((o) => shown.has(o.id)));
  const events = [...new Set(ops.flatMap((o) => [o.call, ...(o.ret === null ? [] : [o.ret])]))].sort((a, b) => a - b);
  const slot = new Map(events.map((e, i) => [e, i]));
  const stuck = new Map(c.stuck.map((s) => [s.id, s]));
  const SLOT = 50;
  const ROW = 30;
  const LEFT = 90;
  const width = LEFT + (events.length + 1) * SLOT + 20;
  const height = rows.length * ROW + 36;
  const parts: string[] = [];
  rows.forEach((row, r) => {
    const y = 24 + r * ROW;
    parts.push(
      `<text x="4" y="${y + 16}" class="proc">process ${esc(row.process)}</text><line x1="${LEFT}" x2="${width - 10}" y1="${y + 22}" y2="${y + 22}" stroke="#eee"/>`,
    );
    for (const o of row.ops) {
      if (!shown.has(o.id)) continue;
      const x1 = LEFT + slot.get(o.call)! * SLOT;
      const x2 = o.ret === null ? width - 12 : LEFT + slot.get(o.ret)! * SLOT + SLOT - 4;
      const s = stuck.get(o.id);
      const cls =
        o.id === c.blockedBy
          ? "blocked"
          : o.linearizedAt !== null
            ? "lin"
            : s
              ? s.why === "refused"
                ? "refused"
                : "deadend"
              : "other";
      const label = o.linearizedAt !== null ? `${o.linearizedAt + 1}. ${o.description}` : o.description;
      const title =
        `op ${o.id}: ${o.description}` +
        (o.linearizedAt !== null ? ` — #${o.linearizedAt + 1} of the longest linearizable prefix` : "") +
        (o.id === c.blockedBy ? " — returned before anything could be linearized next" : "") +
        (s
          ? ` — ${s.why === "refused" ? `impossible in state ${c.stateAfterPrefix}` : "possible, but nothing linearizable follows"}`
          : "") +
        (o.ret === null ? " (never returned)" : "");
      const chars = Math.max(0, Math.floor((x2 - x1 - 6) / 6.2));
      parts.push(
        `<g class="op ${cls}"><title>${esc(title)}</title><rect x="${x1}" y="${y + 4}" width="${Math.max(6, x2 - x1)}" height="20" rx="3"${o.ret === null ? ' stroke-dasharray="4 2"' : ""}/>` +
          (chars >= 3
            ? `<text x="${x1 + 4}" y="${y + 18}">${esc(label.length > chars ? `${label.slice(0, chars - 1)}…` : label)}</text>`
            : "") +
          `</g>`,
      );
    }
  });
  const total = c.rows.reduce((n, r) => n + r.ops.length, 0);
  const note =
    total > ops.length
      ? `<p class="note">Showing ${count(ops.length)} of ${count(total)} ops of this partition: those around the failure (hover a box for the op).</p>`
      : "";
  const legend =
    `<div class="legend"><span><i class="lin"></i>in the longest linearizable prefix (numbered in order)</span>` +
    `<span><i class="blocked"></i>returned, yet cannot be linearized next</span><span><i class="refused"></i>impossible in the state after the prefix</span>` +
    `<span><i class="deadend"></i>possible next, but a dead end</span><span><i class="other"></i>other</span></div>`;
  return (
    // Scaled down to the page's width rather than scrolled: the op that cannot be linearized is at the right end.
    `<div class="cex"><svg viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px" xmlns="http://www.w3.org/2000/svg">${parts.join("")}</svg></div>` +
    legend +
    note
  );
}

export function counterexampleSection(c: PartitionCounterexample): string {
  const title = c.key === null ? "the history" : `key ${esc(JSON.stringify(c.key))}`;
  const words = describeCounterexample(c)
    .map((l) => esc(l))
    .join("\n");
  return (
    `<h4>Not linearizable: ${title} (${plural(c.ops, "op")})</h4>` +
    `<p>State after the longest linearizable prefix (${plural(c.longestPrefix.length, "op")}): <code>${esc(c.stateAfterPrefix)}</code></p>` +
    counterexampleSvg(c) +
    `<pre class="words">${words}</pre>`
  );
}
