import { count, esc, plural } from "../../core/html.js";
import type { CheckerKind, OpMoments } from "../kind.js";
import { EXAMPLES, fold, moment } from "../view.js";
import type { CycleAnomaly, ListAppendResult } from "./index.js";
import { show } from "./txn.js";

/** Cycles drawn in the report; the rest are listed with their sentences. */
const DRAWN_CYCLES = 6;

const EDGE_COLOURS: Record<string, string> = { ww: "#b2182b", wr: "#2166ac", rw: "#e08214", rt: "#4d4d4d" };

/** Non-cycle anomalies by their names, for the lines and tables. */
function otherAnomalies(r: ListAppendResult): Array<{ name: string; lines: string[] }> {
  return [
    {
      name: "lost",
      lines: r.lost.map(
        (l) =>
          `key ${l.key}: ${l.value} appended by T${l.writer} (acknowledged), missing from T${l.missedBy}'s read${l.laterValue !== undefined ? `, which holds ${l.laterValue} appended by T${l.laterWriter} begun after the acknowledgement` : ""}`,
      ),
    },
    {
      name: "G1a",
      lines: r.g1a.map(
        (a) => `key ${a.key}: T${a.reader} read ${show(a.read)}, with ${a.value} from T${a.writer}, which failed`,
      ),
    },
    {
      name: "G1b",
      lines: r.g1b.map(
        (a) =>
          `key ${a.key}: T${a.reader} read ${show(a.read)}, ending at ${a.value}, an intermediate append of T${a.writer}`,
      ),
    },
    {
      name: "internal",
      lines: r.internal.map(
        (a) => `key ${a.key}: T${a.txn} read ${show(a.read)} but its own earlier operations make it ${a.expected}`,
      ),
    },
    {
      name: "incompatible-order",
      lines: r.incompatibleOrder.map(
        (o) => `key ${o.key}: T${o.reader} read ${show(o.read)}, not a prefix of T${o.other}'s ${show(o.otherRead)}`,
      ),
    },
    {
      name: "duplicate",
      lines: r.duplicates.map((a) => `key ${a.key}: T${a.reader} read ${show(a.read)}, with ${a.value} more than once`),
    },
    {
      name: "unexpected",
      lines: r.unexpected.map(
        (a) => `key ${a.key}: T${a.reader} read ${show(a.read)}, with ${a.value}, which no transaction appended`,
      ),
    },
  ].filter((x) => x.lines.length > 0);
}

/** The anomalies in plain text: counts, then each cycle with its sentences (CLI summary and JUnit). */
export function listAppendLines(r: ListAppendResult, cycles = 3): string[] {
  const out: string[] = [];
  const c = r.counts ?? {};
  const names = Object.keys(c);
  out.push(
    `${r.txns.ok} transactions ok, ${r.txns.fail} failed, ${r.txns.info} indeterminate over ${plural(r.keys, "key")}` +
      (names.length ? `; found ${names.map((n) => `${n} ${c[n]}`).join(", ")}` : "; no anomaly found"),
  );
  for (const cy of (r.cycles ?? []).slice(0, cycles)) {
    out.push(
      `${cy.name}${r.prohibited.includes(cy.name) ? "" : " (allowed)"}: ${cy.txns.map((t) => `T${t.id}`).join(" -> ")} -> T${cy.txns[0]!.id}`,
    );
    for (const e of cy.edges) out.push(`  ${e.why}`);
  }
  for (const a of otherAnomalies(r)) {
    out.push(`${a.name} (${c[a.name] ?? a.lines.length}):`);
    for (const l of a.lines.slice(0, EXAMPLES)) out.push(`  ${l}`);
    if (a.lines.length > EXAMPLES) out.push(`  ... and ${a.lines.length - EXAMPLES} more (see results.json)`);
  }
  return out;
}

/**
 * The cycle drawn: transactions on a circle, each edge an arrow labelled with its kind and key. A pure SVG string;
 * every text from the run goes through `esc`.
 */
export function cycleSvg(cy: CycleAnomaly): string {
  const n = cy.txns.length;
  const R = n <= 2 ? 70 : 60 + 14 * n;
  const W = 2 * R + 160;
  const H = 2 * R + 80;
  const cx = W / 2;
  const cy0 = H / 2;
  const pos = cy.txns.map((_, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return { x: cx + R * Math.cos(a), y: cy0 + R * Math.sin(a) };
  });
  const node = 22;
  const parts: string[] = [];
  cy.edges.forEach((e, i) => {
    const a = pos[i]!;
    const b = pos[(i + 1) % n]!;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    const [ux, uy] = [dx / len, dy / len];
    // Bend each arrow outward a little so the two edges of a 2-cycle do not overlap.
    const mx = (a.x + b.x) / 2 - uy * 24;
    const my = (a.y + b.y) / 2 + ux * 24;
    const colour = EDGE_COLOURS[e.kind] ?? "#000";
    const x1 = a.x + ux * node;
    const y1 = a.y + uy * node;
    const x2 = b.x - ux * (node + 4);
    const y2 = b.y - uy * (node + 4);
    parts.push(
      `<path d="M${x1.toFixed(1)},${y1.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}" fill="none" stroke="${colour}" stroke-width="2" marker-end="url(#la-arrow-${e.kind})"><title>${esc(e.why)}</title></path>`,
      `<text x="${mx.toFixed(1)}" y="${my.toFixed(1)}" font-size="12" text-anchor="middle" fill="${colour}">${esc(e.kind)}${e.key !== undefined ? ` ${esc(e.key)}` : ""}</text>`,
    );
  });
  cy.txns.forEach((t, i) => {
    const p = pos[i]!;
    parts.push(
      `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${node}" fill="${t.type === "ok" ? "#fff" : "#fff7d6"}" stroke="#333"/>`,
      `<text x="${p.x.toFixed(1)}" y="${(p.y + 4).toFixed(1)}" font-size="12" text-anchor="middle">T${esc(t.id)}</text>`,
    );
  });
  const markers = Object.entries(EDGE_COLOURS)
    .map(
      ([k, colour]) =>
        `<marker id="la-arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`,
    )
    .join("");
  return `<svg class="cycle" viewBox="0 0 ${W.toFixed(0)} ${H.toFixed(0)}" width="${W.toFixed(0)}" role="img" xmlns="http://www.w3.org/2000/svg"><defs>${markers}</defs>${parts.join("")}</svg>`;
}

/**
 * The cycle's transactions on the run's timeline: one bar each from invocation to completion (to the right edge for
 * an indeterminate one, which may take effect any time after it began). Nothing is drawn without moments.
 */
export function cycleTimeline(cy: CycleAnomaly, t: OpMoments): string {
  const spans = cy.txns.map((x) => ({ id: x.id, ...t.byIndex.get(x.id) }));
  const starts = spans.map((s) => s.start).filter((v): v is number => v !== undefined);
  if (starts.length !== spans.length) return "";
  const ends = spans.map((s) => s.end).filter((v): v is number => v !== undefined);
  const lo = Math.min(...starts);
  const hi = Math.max(...starts, ...ends);
  const span = hi - lo || 1;
  const W = 520;
  const left = 60;
  const row = 18;
  const x = (v: number) => left + ((v - lo) / span) * (W - left - 10);
  const bars = spans.map((s, i) => {
    const y = 6 + i * row;
    const x1 = x(s.start!);
    const x2 = s.end === undefined ? W - 10 : Math.max(x(s.end), x1 + 2);
    const fill = s.end === undefined ? "#f1c232" : "#6a9fd8";
    return (
      `<text x="4" y="${y + 11}" font-size="11">T${esc(s.id)}</text>` +
      `<rect x="${x1.toFixed(1)}" y="${y}" width="${(x2 - x1).toFixed(1)}" height="12" fill="${fill}"><title>T${esc(s.id)}: ${moment(t, s.id, "start")} to ${s.end === undefined ? "never returned" : moment(t, s.id, "end")}</title></rect>`
    );
  });
  const H = 12 + spans.length * row;
  return `<svg class="cycle-timeline" viewBox="0 0 ${W} ${H}" width="${W}" role="img" xmlns="http://www.w3.org/2000/svg">${bars.join("")}</svg>`;
}

function cycleSection(cy: CycleAnomaly, r: ListAppendResult, t: OpMoments): string {
  const allowed = r.prohibited.includes(cy.name) ? "" : ` (allowed by ${esc(r.consistency)})`;
  const rows = cy.txns.map((x) => [
    `T${esc(x.id)}`,
    esc(x.type),
    esc(String(x.process)),
    moment(t, x.id, "start"),
    x.type === "ok" ? moment(t, x.id, "end") : "never returned (indeterminate)",
    esc(show(x.mops)),
  ]);
  return (
    `<div class="cycle"><h4>${esc(cy.name)}${allowed}: ${cy.txns.map((x) => `T${esc(x.id)}`).join(" → ")} → T${esc(cy.txns[0]!.id)}</h4>` +
    cycleSvg(cy) +
    cycleTimeline(cy, t) +
    `<ol>${cy.edges.map((e) => `<li>${esc(e.why)}</li>`).join("")}</ol>` +
    fold(
      `Transactions of this ${esc(cy.name)}`,
      rows,
      ["txn", "outcome", "process", "began", "completed", "micro-ops"],
      (row) => row,
    ) +
    `</div>`
  );
}

/** How the list-append checker shows itself in the report, the verdict and JUnit. */
export const listAppendKind: CheckerKind<ListAppendResult> = {
  name: "list-append",
  losesData: true,

  section(r, t) {
    const out: string[] = [];
    const names = Object.keys(r.counts ?? {});
    out.push(
      `<p>${count(r.txns.ok)} transactions ok, ${count(r.txns.fail)} failed, ${count(r.txns.info)} indeterminate over ${plural(r.keys, "key")}; ` +
        `${count(r.graph.edges)} dependency edges; checked against <b>${esc(r.consistency)}</b>. ` +
        (names.length
          ? `Found: ${names.map((n) => `${esc(n)} ${count(r.counts[n]!)}${r.prohibited.includes(n) ? "" : " (allowed)"}`).join(", ")}.`
          : "No anomaly found.") +
        (r.graph.cutShort.length
          ? ` The cycle search ran out of budget for ${esc(r.graph.cutShort.join(", "))}.`
          : "") +
        `</p>`,
    );
    for (const cy of r.cycles.slice(0, DRAWN_CYCLES)) out.push(cycleSection(cy, r, t));
    if (r.cycles.length > DRAWN_CYCLES) {
      out.push(
        fold(
          "More cycles",
          r.cycles.slice(DRAWN_CYCLES).map((cy) => [esc(cy.name), esc(cy.edges.map((e) => e.why).join("; "))]),
          ["anomaly", "why"],
          (row) => row,
        ),
      );
    }
    for (const a of otherAnomalies(r)) {
      out.push(
        fold(
          `${esc(a.name)} (${count(r.counts[a.name] ?? a.lines.length)})`,
          a.lines.map((l) => [esc(l)]),
          ["evidence"],
          (row) => row,
        ),
      );
    }
    return out.join("\n");
  },

  anomaly(r) {
    const names = r.prohibited;
    const phrase = names.length
      ? `transactions show ${names.map((n) => `${n} (${r.counts[n]})`).join(", ")}, not ${r.consistency}`
      : `transactions: ${r.reason ?? "undecided"}`;
    return { phrase, detail: `${phrase}.` };
  },

  failureLines: (r) => listAppendLines(r, EXAMPLES),

  junitSeconds: (r) => Number(r.checkMs ?? 0) / 1000,

  losses: {
    acknowledged: (r) => r.acknowledgedAppends ?? 0,
    lost: (r) => ({ acknowledged: r.counts?.lost ?? r.lost?.length ?? 0, unacknowledged: 0 }),
    lostInvocations: (r) => [...new Set((r.lost ?? []).map((l) => l.writer))],
    canBeLost: (op) =>
      op.f === "txn" && Array.isArray(op.value) && op.value.some((m) => Array.isArray(m) && m[0] === "append"),
  },
};
