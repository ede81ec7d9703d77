import { count, esc, plural } from "../core/html.js";
import type { CheckerKind } from "./kind.js";
import type { QueueResult } from "./queue.js";
import { ackMoments, EXAMPLES, fold, moment } from "./view.js";

/** How the queue checker shows itself in the report, the verdict, JUnit and the lost-write figures. */
export const queueKind: CheckerKind<QueueResult> = {
  name: "queue",
  losesData: true,

  section(r, t) {
    const out = [
      `<p>${count(r.attempted)} jobs enqueued: ${count(r.acknowledged)} acknowledged, ${count(r.failed)} failed; ${count(r.delivered)} delivered ` +
        `(${count(r.recovered)} of them from indeterminate enqueues), ${count(r.inflightOnly)} only on the in-flight list; ` +
        `<b>${count(r.lost.length)} lost</b>, ${count(r.duplicated.length)} duplicated, ${count(r.unexpected.length)} unexpected.</p>`,
    ];
    if (r.lost.length) {
      const sorted = [...r.lost].sort(
        (a, b) => (t.byIndex.get(a.enqueuedBy)?.end ?? 0) - (t.byIndex.get(b.enqueuedBy)?.end ?? 0),
      );
      out.push(
        fold("Lost jobs", sorted, ["job", "acknowledged", "last seen"], (l) => [
          esc(l.job),
          moment(t, l.enqueuedBy, "end"),
          "never delivered, not in flight",
        ]),
      );
    }
    if (r.duplicated.length) {
      out.push(
        fold("Jobs delivered more than once", r.duplicated, ["job", "deliveries", "delivered at"], (d) => [
          esc(d.job),
          count(d.deliveries),
          d.by.map((i) => moment(t, i, "start")).join(", "),
        ]),
      );
    }
    if (r.unexpected.length) {
      out.push(
        fold("Unexpected jobs", r.unexpected, ["job", "why", "seen at"], (u) => [
          esc(u.job),
          esc(u.why),
          u.by < 0 ? "in-flight list" : moment(t, u.by, "start"),
        ]),
      );
    }
    return out.join("\n");
  },

  anomaly(q, { t, lossContext }) {
    const parts: string[] = [];
    let context = "";
    if (q.lost.length) {
      parts.push(`${plural(q.lost.length, "acknowledged job")} ${q.lost.length === 1 ? "was" : "were"} lost`);
      context = lossContext(
        ackMoments(
          t,
          q.lost.map((l) => l.enqueuedBy),
        ),
      );
    }
    if (q.duplicated.length) parts.push(`${plural(q.duplicated.length, "job")} delivered more than once`);
    if (q.unexpected.length) parts.push(`${plural(q.unexpected.length, "unexpected job")}`);
    const phrase = parts.join(", ") + context;
    return { phrase, detail: `${phrase} (of ${count(q.acknowledged)} acknowledged enqueues).` };
  },

  failureLines(q) {
    const lines: string[] = [];
    for (const [label, items] of [
      ["lost", q.lost],
      ["duplicated", q.duplicated],
      ["unexpected", q.unexpected],
    ] as const) {
      if (!items.length) continue;
      lines.push(
        `${label} (${items.length}): ${items
          .slice(0, EXAMPLES)
          .map((x) => x.job)
          .join(", ")}${items.length > EXAMPLES ? ", ..." : ""}`,
      );
    }
    return lines;
  },

  losses: {
    acknowledged: (r) => r.acknowledged ?? 0,
    lost: (r) => ({ acknowledged: r.lost?.length ?? 0, unacknowledged: 0 }),
    lostInvocations: (r) => (r.lost ?? []).map((l) => l.enqueuedBy),
    canBeLost: (op) => op.f === "enqueue",
  },
};
