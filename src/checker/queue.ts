import type { History } from "../history/op.js";
import type { Checker, CheckResult } from "./checker.js";
import { momentsOf, spansOf, valueOf } from "./moments.js";

/**
 * A work queue with at-most-once delivery expected. Ops:
 * - `enqueue` (value = job id);
 * - `dequeue` (value = the job popped, or null when the queue was empty); with RPOPLPUSH the popped job is also
 *   kept on an in-flight list, so a dequeue whose reply was lost still leaves a trace;
 * - `drain` (final, value = the jobs still queued), and `drain-inflight` (final, value = the in-flight list).
 *
 * A job is *delivered* by an ok dequeue or by the final drain; *lost* if its enqueue was acknowledged and it was
 * never delivered and is not on the in-flight list (a job taken by an indeterminate dequeue sits there, so it is
 * not lost). *Duplicated*: delivered more than once. *Unexpected*: delivered or in flight but never enqueued, or
 * enqueued with a `fail` outcome.
 */

export interface QueueResult extends CheckResult {
  attempted: number;
  acknowledged: number;
  failed: number;
  delivered: number;
  /** Jobs whose enqueue was `info` that were delivered anyway: they did happen. */
  recovered: number;
  /** Jobs only found on the in-flight list (taken by dequeues whose outcome is unknown). */
  inflightOnly: number;
  lost: Array<{ job: string; enqueuedBy: number }>;
  duplicated: Array<{ job: string; deliveries: number; by: number[] }>;
  unexpected: Array<{ job: string; why: "enqueue failed" | "never enqueued"; by: number }>;
}

function jobs(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

export function checkQueue(history: History): QueueResult {
  const spans = spansOf(history, momentsOf(history));
  const enqueues = new Map<string, { type: string; index: number }>();
  const deliveries = new Map<string, number[]>();
  const inflight = new Set<string>();
  let drained = false;
  let drainedInflight = false;
  let drainsAttempted = false;

  for (const s of spans) {
    const f = s.pair.invoke.f;
    const index = s.pair.invoke.index;
    if (f === "enqueue") {
      const job = String(s.pair.invoke.value);
      const prev = enqueues.get(job);
      // If a job id was enqueued twice (it should not be), the most definite outcome wins.
      if (!prev || prev.type !== "ok") enqueues.set(job, { type: s.type, index });
      continue;
    }
    if (s.type !== "ok") {
      if (f === "drain" || f === "drain-inflight") drainsAttempted = true;
      continue;
    }
    if (f === "dequeue" || f === "drain") {
      if (f === "drain") (drained = true), (drainsAttempted = true);
      for (const job of jobs(valueOf(s))) deliveries.set(job, [...(deliveries.get(job) ?? []), index]);
    } else if (f === "drain-inflight") {
      drainedInflight = true;
      drainsAttempted = true;
      for (const job of jobs(valueOf(s))) inflight.add(job);
    }
  }

  const result: QueueResult = {
    valid: true,
    attempted: enqueues.size,
    acknowledged: 0,
    failed: 0,
    delivered: deliveries.size,
    recovered: 0,
    inflightOnly: 0,
    lost: [],
    duplicated: [],
    unexpected: [],
  };
  for (const [job, e] of enqueues) {
    if (e.type === "ok") result.acknowledged++;
    if (e.type === "fail") result.failed++;
    if (e.type === "info" && deliveries.has(job)) result.recovered++;
    if (!deliveries.has(job) && inflight.has(job)) result.inflightOnly++;
    if (e.type === "ok" && !deliveries.has(job) && !inflight.has(job)) result.lost.push({ job, enqueuedBy: e.index });
  }
  for (const [job, by] of deliveries) {
    if (by.length > 1) result.duplicated.push({ job, deliveries: by.length, by });
  }
  const seenAnywhere = new Map<string, number>();
  for (const [job, by] of deliveries) seenAnywhere.set(job, by[0]!);
  for (const job of inflight) if (!seenAnywhere.has(job)) seenAnywhere.set(job, -1);
  for (const [job, by] of seenAnywhere) {
    const e = enqueues.get(job);
    if (!e) result.unexpected.push({ job, why: "never enqueued", by });
    else if (e.type === "fail") result.unexpected.push({ job, why: "enqueue failed", by });
  }

  const complete = drained && drainedInflight;
  if (result.duplicated.length || result.unexpected.length || (complete && result.lost.length)) {
    result.valid = false;
    result.reason = [
      complete && result.lost.length && `${result.lost.length} job(s) lost`,
      result.duplicated.length && `${result.duplicated.length} job(s) delivered more than once`,
      result.unexpected.length && `${result.unexpected.length} unexpected job(s)`,
    ]
      .filter(Boolean)
      .join(", ");
  } else if (!complete && result.acknowledged > result.delivered) {
    result.valid = "unknown";
    result.reason = drainsAttempted
      ? "the final drain of the queue or of the in-flight list did not succeed, so lost jobs cannot be told from queued ones"
      : "no final drain was recorded, so lost jobs cannot be told from queued ones";
  } else {
    result.reason = `${result.acknowledged} acknowledged job(s), all delivered or accounted for`;
  }
  // Without a complete drain, "lost" only means "not seen yet": keep the list out of the evidence.
  if (!complete) result.lost = [];
  return result;
}

export const queueChecker: Checker<QueueResult> = { name: "queue", check: (history) => checkQueue(history) };
