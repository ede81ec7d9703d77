import type { History } from "../history/op.js";
import type { Checker, CheckResult } from "./checker.js";
import { momentsOf, quantiles, type Span, spansOf, valueOf } from "./moments.js";

/**
 * Lost writes in sets, with Jepsen's set-full semantics. Ops: `add` (key, value = one element) and `read` /
 * `final-read` (key, value = the elements read). Each key is an independent set; elements are compared as strings,
 * since Redis returns members as strings.
 *
 * For every element: it becomes *known* when its add is acknowledged or when a read first returns it, whichever is
 * earlier. Only reads that begin after that moment can testify about it. Then, by the reads' start times:
 * - `lost`: the last such read that missed it started after the last read that saw it;
 * - `stable`: seen, and no read that began after it was known missed it later;
 *   `stale` if some such read missed it before it reappeared (reported, not an error);
 * - `never-read`: known, but no read began after that.
 * An add whose outcome was `info` and that no read ever returned is merely indeterminate, never lost. An element
 * whose add `fail`ed, or that was never added, but appears in a read is `unexpected`.
 */

export type ElementOutcome = "stable" | "lost" | "never-read";

export interface LostElement {
  key: string;
  element: string;
  /** How it became known: the acknowledged add or the read that first returned it (history indices). */
  knownBy: { op: number; how: "ack" | "read" };
  /**
   * Whether any add of it was acknowledged (`ok`). An element can be known by a read that returned it before its
   * ack arrived, so `knownBy` alone does not say; false means every add was indeterminate and only a read saw it.
   */
  acknowledged: boolean;
  /** Last read that returned it (invocation index), if any. */
  lastSeenBy: number | undefined;
  /** The read that missed it last (invocation index). */
  missedBy: number;
}

export interface UnexpectedElement {
  key: string;
  element: string;
  /** Why it should not be there. */
  why: "add failed" | "never added";
  /** First read that returned it (invocation index). */
  readBy: number;
}

export interface DuplicatedElement {
  key: string;
  element: string;
  /** Most copies in a single read, and that read's invocation index. */
  copies: number;
  readBy: number;
}

export interface SetResult extends CheckResult {
  keys: number;
  attempted: number;
  acknowledged: number;
  /** Adds that failed (definitely not applied). */
  failed: number;
  /** Adds with an `info` outcome that no read ever returned. */
  indeterminate: number;
  stable: number;
  stale: number;
  lost: LostElement[];
  neverRead: Array<{ key: string; element: string }>;
  staleElements: Array<{ key: string; element: string }>;
  unexpected: UnexpectedElement[];
  duplicated: DuplicatedElement[];
  /**
   * Milliseconds from an add's invocation to the completion of the last read that missed it (0 if none did);
   * only for timed histories.
   */
  stableLatencyMs: Record<string, number> | undefined;
}

interface Read {
  span: Span;
  elements: Map<string, number>;
  final: boolean;
}

interface AddInfo {
  span: Span;
  element: string;
}

const ADD = "add";
const READS = new Set(["read", "final-read"]);

function keyOf(span: Span): string {
  const k = span.pair.invoke.key;
  return k === undefined || k === null ? "" : String(k);
}

function counts(value: unknown): Map<string, number> {
  const m = new Map<string, number>();
  if (!Array.isArray(value)) return m;
  for (const v of value) {
    const s = String(v);
    m.set(s, (m.get(s) ?? 0) + 1);
  }
  return m;
}

export function checkSet(history: History): SetResult {
  const moments = momentsOf(history);
  const spans = spansOf(history, moments);
  const byKey = new Map<string, { adds: Map<string, AddInfo[]>; reads: Read[]; finalsAttempted: number }>();
  const keyState = (k: string) => {
    let s = byKey.get(k);
    if (!s) byKey.set(k, (s = { adds: new Map(), reads: [], finalsAttempted: 0 }));
    return s;
  };
  for (const span of spans) {
    const f = span.pair.invoke.f;
    if (f === ADD) {
      const element = String(span.pair.invoke.value);
      const adds = keyState(keyOf(span)).adds;
      adds.set(element, [...(adds.get(element) ?? []), { span, element }]);
    } else if (READS.has(f)) {
      const st = keyState(keyOf(span));
      if (f === "final-read") st.finalsAttempted++;
      if (span.type === "ok") st.reads.push({ span, elements: counts(valueOf(span)), final: f === "final-read" });
    }
  }

  const result: SetResult = {
    valid: true,
    keys: byKey.size,
    attempted: 0,
    acknowledged: 0,
    failed: 0,
    indeterminate: 0,
    stable: 0,
    stale: 0,
    lost: [],
    neverRead: [],
    staleElements: [],
    unexpected: [],
    duplicated: [],
    stableLatencyMs: undefined,
  };
  const latencies: number[] = [];
  const missingFinal: string[] = [];

  for (const [key, { adds, reads, finalsAttempted }] of byKey) {
    reads.sort((a, b) => a.span.start - b.span.start);
    if (finalsAttempted > 0 && !reads.some((r) => r.final)) missingFinal.push(key);

    // One pass over the reads in start order: per element, the first read that returned it, the earliest
    // completion among those reads, the last read that returned it, and the last read before that one that missed
    // it (reads strictly between two presences missed it; the latest of them is the one just before).
    const seen = new Map<string, { first: Read; seenAt: number; last: number; lastGap: number | undefined }>();
    reads.forEach((read, i) => {
      for (const [element, n] of read.elements) {
        const s = seen.get(element);
        if (!s) seen.set(element, { first: read, seenAt: read.span.end, last: i, lastGap: i > 0 ? i - 1 : undefined });
        else {
          if (s.last !== i - 1) s.lastGap = i - 1;
          s.last = i;
          s.seenAt = Math.min(s.seenAt, read.span.end);
        }
        if (n > 1) {
          const prev = result.duplicated.find((d) => d.key === key && d.element === element);
          if (!prev) result.duplicated.push({ key, element, copies: n, readBy: read.span.pair.invoke.index });
          else if (n > prev.copies) Object.assign(prev, { copies: n, readBy: read.span.pair.invoke.index });
        }
      }
    });
    for (const [element, { first }] of seen) {
      const attempts = adds.get(element);
      const readBy = first.span.pair.invoke.index;
      if (!attempts) result.unexpected.push({ key, element, why: "never added", readBy });
      else if (attempts.every((a) => a.span.type === "fail"))
        result.unexpected.push({ key, element, why: "add failed", readBy });
    }

    const lastRead = reads[reads.length - 1];
    for (const [element, attempts] of adds) {
      result.attempted++;
      if (attempts.every((a) => a.span.type === "fail")) {
        result.failed++;
        continue;
      }
      const acked = attempts.filter((a) => a.span.type === "ok");
      if (acked.length) result.acknowledged++;
      const s = seen.get(element);
      const ackAt = acked.length ? Math.min(...acked.map((a) => a.span.end)) : Infinity;
      const seenAt = s ? s.seenAt : Infinity;
      if (ackAt === Infinity && seenAt === Infinity) {
        result.indeterminate++;
        continue;
      }
      const knownAt = Math.min(ackAt, seenAt);
      const knownBy =
        ackAt <= seenAt
          ? { op: acked.find((a) => a.span.end === ackAt)!.span.pair.invoke.index, how: "ack" as const }
          : {
              op: reads.find((r) => r.span.end === seenAt && r.elements.has(element))!.span.pair.invoke.index,
              how: "read" as const,
            };

      const lastPresent = s ? reads[s.last] : undefined;
      const addedAt = Math.min(...attempts.map((a) => a.span.start));
      // Every read after the last presence missed it; the latest read decides if it began after the element was known.
      if (lastRead && lastRead !== lastPresent && lastRead.span.start > knownAt) {
        result.lost.push({
          key,
          element,
          knownBy,
          acknowledged: acked.length > 0,
          lastSeenBy: lastPresent?.span.pair.invoke.index,
          missedBy: lastRead.span.pair.invoke.index,
        });
      } else if (lastPresent) {
        result.stable++;
        const gap = s?.lastGap === undefined ? undefined : reads[s.lastGap];
        const lastAbsent = gap && gap.span.start > knownAt ? gap : undefined;
        if (lastAbsent) {
          result.stale++;
          result.staleElements.push({ key, element });
        }
        if (moments.timed) latencies.push(Math.max(0, (lastAbsent ? lastAbsent.span.end : addedAt) - addedAt) / 1e6);
      } else {
        result.neverRead.push({ key, element });
      }
    }
  }

  result.stableLatencyMs = quantiles(latencies);
  const anomalies = result.lost.length + result.unexpected.length + result.duplicated.length;
  if (anomalies > 0) {
    result.valid = false;
    result.reason = [
      result.lost.length && `${result.lost.length} element(s) lost`,
      result.unexpected.length && `${result.unexpected.length} unexpected element(s)`,
      result.duplicated.length && `${result.duplicated.length} duplicated element(s)`,
    ]
      .filter(Boolean)
      .join(", ");
  } else if (missingFinal.length > 0) {
    result.valid = "unknown";
    result.reason = `no final read succeeded for ${missingFinal.length} set(s) (${missingFinal.slice(0, 5).join(", ")}), so lost writes cannot be ruled out`;
  } else if (result.neverRead.length > 0) {
    result.valid = "unknown";
    result.reason = `${result.neverRead.length} acknowledged element(s) were never read after their add`;
  } else {
    result.reason = `${result.stable} element(s) stable, ${result.indeterminate} indeterminate, none lost`;
  }
  return result;
}

export const setChecker: Checker<SetResult> = { name: "set", check: (history) => checkSet(history) };
