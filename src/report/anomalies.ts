import type { CounterResult } from "../checker/counter.js";
import type { QueueResult } from "../checker/queue.js";
import type { SetResult } from "../checker/set.js";
import { at, brief, collapsed, count, esc, plural, table } from "./html.js";
import type { Timeline } from "./timeline.js";

/**
 * Tables of the evidence set, queue and counter checkers returned. Never sampled: a long table is folded behind
 * <details> with its row count, and every row is still in the page.
 */

/** Rows shown unfolded; longer tables start collapsed. */
export const OPEN_ROWS = 100;

function moment(t: Timeline, index: number | undefined, which: "start" | "end"): string {
  if (index === undefined || index < 0) return "-";
  const op = t.byIndex.get(index);
  if (!op) return `op ${index}`;
  const m = which === "end" ? op.end : op.start;
  return m === undefined ? "never returned" : esc(at(m, t.timed));
}

function fold(title: string, rows: string[][], head: string[]): string {
  const body = table(head, rows, "evidence");
  return rows.length > OPEN_ROWS ? collapsed(`${title}: ${count(rows.length)} rows (click to show all)`, body) : `<h4>${title}</h4>${body}`;
}

export function setEvidence(r: SetResult, t: Timeline): string {
  const out: string[] = [];
  out.push(
    `<p>${count(r.attempted)} elements attempted over ${plural(r.keys, "set")}: ${count(r.acknowledged)} acknowledged, ${count(r.failed)} failed, ` +
      `${count(r.indeterminate)} indeterminate (never read, so not lost), ${count(r.stable)} stable, ${count(r.stale)} stale, ` +
      `<b>${count(r.lost.length)} lost</b>, ${count(r.unexpected.length)} unexpected, ${count(r.duplicated.length)} duplicated, ${count(r.neverRead.length)} never read.</p>`,
  );
  if (r.lost.length) {
    const perKey = new Map<string, number>();
    for (const l of r.lost) perKey.set(l.key, (perKey.get(l.key) ?? 0) + 1);
    const worst = [...perKey.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
    out.push(`<p>Lost in ${plural(perKey.size, "set")}; most: ${worst.map(([k, n]) => `${esc(k)} (${count(n)})`).join(", ")}.</p>`);
    const known = (l: SetResult["lost"][number]) => (l.knownBy.how === "ack" ? t.byIndex.get(l.knownBy.op)?.end : t.byIndex.get(l.knownBy.op)?.start) ?? Infinity;
    const rows = [...r.lost]
      .sort((a, b) => known(a) - known(b))
      .map((l) => [
        esc(l.key),
        esc(l.element),
        l.knownBy.how === "ack" ? moment(t, l.knownBy.op, "end") : `read ${moment(t, l.knownBy.op, "start")}`,
        moment(t, l.lastSeenBy, "start"),
        moment(t, l.missedBy, "start"),
      ]);
    out.push(fold("Lost elements", rows, ["set", "element", "acknowledged", "last seen (read at)", "missed by read at"]));
  }
  if (r.unexpected.length) {
    out.push(fold("Unexpected elements", r.unexpected.map((u) => [esc(u.key), esc(u.element), esc(u.why), moment(t, u.readBy, "start")]), ["set", "element", "why", "first read at"]));
  }
  if (r.duplicated.length) {
    out.push(fold("Duplicated elements", r.duplicated.map((d) => [esc(d.key), esc(d.element), count(d.copies), moment(t, d.readBy, "start")]), ["set", "element", "copies in one read", "read at"]));
  }
  return out.join("\n");
}

export function queueEvidence(r: QueueResult, t: Timeline): string {
  const out = [
    `<p>${count(r.attempted)} jobs enqueued: ${count(r.acknowledged)} acknowledged, ${count(r.failed)} failed; ${count(r.delivered)} delivered ` +
      `(${count(r.recovered)} of them from indeterminate enqueues), ${count(r.inflightOnly)} only on the in-flight list; ` +
      `<b>${count(r.lost.length)} lost</b>, ${count(r.duplicated.length)} duplicated, ${count(r.unexpected.length)} unexpected.</p>`,
  ];
  if (r.lost.length) {
    const rows = [...r.lost]
      .sort((a, b) => (t.byIndex.get(a.enqueuedBy)?.end ?? 0) - (t.byIndex.get(b.enqueuedBy)?.end ?? 0))
      .map((l) => [esc(l.job), moment(t, l.enqueuedBy, "end"), "never delivered, not in flight"]);
    out.push(fold("Lost jobs", rows, ["job", "acknowledged", "last seen"]));
  }
  if (r.duplicated.length) {
    out.push(fold("Jobs delivered more than once", r.duplicated.map((d) => [esc(d.job), count(d.deliveries), d.by.map((i) => moment(t, i, "start")).join(", ")]), ["job", "deliveries", "delivered at"]));
  }
  if (r.unexpected.length) {
    out.push(fold("Unexpected jobs", r.unexpected.map((u) => [esc(u.job), esc(u.why), u.by < 0 ? "in-flight list" : moment(t, u.by, "start")]), ["job", "why", "seen at"]));
  }
  return out.join("\n");
}

export function counterEvidence(r: CounterResult, t: Timeline): string {
  const out = [
    `<p>${count(r.adds.attempted)} increments: ${count(r.adds.acknowledged)} acknowledged (sum ${count(r.acknowledgedSum)}), ` +
      `${count(r.adds.failed)} failed, ${count(r.adds.indeterminate)} indeterminate (sum ${count(r.indeterminateSum)}); ${count(r.reads)} reads checked.</p>`,
  ];
  if (r.final) {
    const f = r.final;
    const inside = f.value >= f.lower && f.value <= f.upper;
    out.push(`<p>Final read: <b>${count(f.value)}</b>, possible range [${count(f.lower)}, ${count(f.upper)}] — ${inside ? "within bounds" : `<b class="bad">outside (${f.value < f.lower ? `${count(f.lower - f.value)} acknowledged increments missing` : `${count(f.value - f.upper)} more than possible`})</b>`}.</p>`);
  }
  if (r.errors.length) {
    const rows = r.errors.map((e) => [moment(t, e.op, "start"), esc(e.f), count(e.value), count(e.lower), count(e.upper), e.value < e.lower ? `${count(e.lower - e.value)} below` : `${count(e.value - e.upper)} above`]);
    out.push(fold("Reads outside their bounds", rows, ["read at", "op", "observed", "lower bound", "upper bound", "by"]));
  }
  return out.join("\n");
}

/** Any other checker: its reason and its evidence as JSON, cut short. */
export function genericEvidence(result: Record<string, unknown>): string {
  return `<pre>${esc(brief(result, 4000))}</pre>`;
}
