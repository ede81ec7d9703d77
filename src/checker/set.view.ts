import { count, esc, plural } from "../core/html.js";
import { pairOps } from "../history/pair.js";
import type { CheckerKind } from "./kind.js";
import type { SetResult } from "./set.js";
import { ackMoments, EXAMPLES, fold, moment } from "./view.js";

/** How the set checker shows itself in the report, the verdict, JUnit and the lost-write figures. */
export const setKind: CheckerKind<SetResult> = {
  name: "set",
  losesData: true,

  section(r, t) {
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
      out.push(
        `<p>Lost in ${plural(perKey.size, "set")}; most: ${worst.map(([k, n]) => `${esc(k)} (${count(n)})`).join(", ")}.</p>`,
      );
      const known = (l: SetResult["lost"][number]) =>
        (l.knownBy.how === "ack" ? t.byIndex.get(l.knownBy.op)?.end : t.byIndex.get(l.knownBy.op)?.start) ?? Infinity;
      const sorted = [...r.lost].sort((a, b) => known(a) - known(b));
      out.push(
        fold(
          "Lost elements",
          sorted,
          ["set", "element", "acknowledged", "last seen (read at)", "missed by read at"],
          (l) => [
            esc(l.key),
            esc(l.element),
            l.knownBy.how === "ack" ? moment(t, l.knownBy.op, "end") : `read ${moment(t, l.knownBy.op, "start")}`,
            moment(t, l.lastSeenBy, "start"),
            moment(t, l.missedBy, "start"),
          ],
        ),
      );
    }
    if (r.unexpected.length) {
      out.push(
        fold("Unexpected elements", r.unexpected, ["set", "element", "why", "first read at"], (u) => [
          esc(u.key),
          esc(u.element),
          esc(u.why),
          moment(t, u.readBy, "start"),
        ]),
      );
    }
    if (r.duplicated.length) {
      out.push(
        fold("Duplicated elements", r.duplicated, ["set", "element", "copies in one read", "read at"], (d) => [
          esc(d.key),
          esc(d.element),
          count(d.copies),
          moment(t, d.readBy, "start"),
        ]),
      );
    }
    return out.join("\n");
  },

  anomaly(s, { t, lossContext }) {
    const parts: string[] = [];
    let context = "";
    if (s.lost.length) {
      // Both kinds are lost under set-full semantics, but only an element whose add was acknowledged is an
      // acknowledged write; the others were indeterminate adds that a read returned.
      const acked = s.lost.filter((l) => l.acknowledged).length;
      const readOnly = s.lost.length - acked;
      if (acked) parts.push(`${plural(acked, "acknowledged write")} ${acked === 1 ? "was" : "were"} lost`);
      if (readOnly) {
        parts.push(
          `${plural(readOnly, "element")} whose add was indeterminate ${readOnly === 1 ? "was" : "were"} read and then lost`,
        );
      }
      context = lossContext(
        ackMoments(
          t,
          s.lost.map((l) => l.knownBy.op),
        ),
      );
    }
    if (s.unexpected.length)
      parts.push(
        `${plural(s.unexpected.length, "element")} appeared that ${s.unexpected.length === 1 ? "was" : "were"} never successfully added`,
      );
    if (s.duplicated.length) parts.push(`${plural(s.duplicated.length, "element")} appeared more than once in a read`);
    const phrase = parts.join(", ") + context;
    return { phrase, detail: `${phrase} (of ${count(s.acknowledged)} acknowledged adds).` };
  },

  failureLines(s) {
    const lines: string[] = [];
    const show = (label: string, items: Array<{ key: string; element: string }>) => {
      if (!items.length) return;
      lines.push(`${label} (${items.length}):`);
      for (const x of items.slice(0, EXAMPLES)) lines.push(`  ${x.key} ${x.element}`);
      if (items.length > EXAMPLES)
        lines.push(`  ... and ${items.length - EXAMPLES} more (see results.json or report.html)`);
    };
    show("lost", s.lost);
    show("unexpected", s.unexpected);
    show("duplicated", s.duplicated);
    return lines;
  },

  losses: {
    acknowledged: (r) => r.acknowledged ?? 0,
    lost(r) {
      const lost = r.lost ?? [];
      const acknowledged = lost.filter((l) => l.acknowledged).length;
      return { acknowledged, unacknowledged: lost.length - acknowledged };
    },
    /**
     * An element can be known first by a read that returned it before its ack arrived, so its acknowledged add is
     * looked up rather than taken from `knownBy`. Elements lost without any acknowledged add are left out: they have
     * no acknowledgement time.
     */
    lostInvocations(r, history) {
      const lostSet = new Set<string>();
      for (const l of r.lost ?? []) if (l.acknowledged) lostSet.add(`${l.key}\u0000${l.element}`);
      if (lostSet.size === 0) return [];
      const firstAck = new Map<string, { index: number; time: number }>();
      for (const { invoke: inv, completion: op } of pairOps(history)) {
        if (op?.type !== "ok" || inv.f !== "add") continue;
        const id = `${inv.key === undefined || inv.key === null ? "" : String(inv.key)}\u0000${String(inv.value)}`;
        if (!lostSet.has(id)) continue;
        const prev = firstAck.get(id);
        const time = op.time ?? op.index;
        if (!prev || time < prev.time) firstAck.set(id, { index: inv.index, time });
      }
      return [...firstAck.values()].map((a) => a.index);
    },
    canBeLost: (op) => op.f === "add" && !Array.isArray(op.value),
  },
};
