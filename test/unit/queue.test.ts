import { describe, expect, it } from "vitest";
import { checkQueue } from "../../src/checker/queue.js";
import { HistoryBuilder } from "./support/lost-writes-history.js";

const Q = "queue";
const drains = (h: HistoryBuilder, queued: unknown[] = [], inflight: unknown[] = []) =>
  h.op(9, "ok", "drain", Q, undefined, queued).op(9, "ok", "drain-inflight", Q, undefined, inflight);

describe("queue checker", () => {
  it("every acknowledged job dequeued or drained once: valid", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "enqueue", Q, 1)
      .op(0, "ok", "enqueue", Q, 2)
      .op(1, "ok", "dequeue", Q, undefined, "1")
      .op(1, "ok", "dequeue", Q, undefined, null);
    const r = checkQueue(drains(h, ["2"], ["1"]).ops);
    expect(r.valid).toBe(true);
    expect(r).toMatchObject({ attempted: 2, acknowledged: 2, delivered: 2, lost: [], duplicated: [], unexpected: [] });
  });

  it("an acknowledged job never delivered and not in flight is lost", () => {
    const h = new HistoryBuilder().op(0, "ok", "enqueue", Q, 1).op(0, "ok", "enqueue", Q, 2);
    const r = checkQueue(drains(h, ["1"]).ops);
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([{ job: "2", enqueuedBy: 2 }]);
    expect(r.reason).toContain("1 job(s) lost");
  });

  it("a job taken by an indeterminate dequeue is on the in-flight list, not lost", () => {
    const h = new HistoryBuilder().op(0, "ok", "enqueue", Q, 1).op(1, "info", "dequeue", Q);
    const r = checkQueue(drains(h, [], ["1"]).ops);
    expect(r.valid).toBe(true);
    expect(r.inflightOnly).toBe(1);
  });

  it("an indeterminate enqueue never seen is not lost; one delivered is recovered", () => {
    const h = new HistoryBuilder()
      .op(0, "info", "enqueue", Q, 1)
      .op(0, "info", "enqueue", Q, 2)
      .op(1, "ok", "dequeue", Q, undefined, 2);
    const r = checkQueue(drains(h).ops);
    expect(r.valid).toBe(true);
    expect(r.recovered).toBe(1);
    expect(r.lost).toEqual([]);
  });

  it("a job delivered twice is duplicated (dequeue + drain, or two dequeues)", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "enqueue", Q, 1)
      .op(0, "ok", "enqueue", Q, 2)
      .op(1, "ok", "dequeue", Q, undefined, 1)
      .op(2, "ok", "dequeue", Q, undefined, 2)
      .op(3, "ok", "dequeue", Q, undefined, 2);
    const r = checkQueue(drains(h, ["1"]).ops);
    expect(r.valid).toBe(false);
    expect(r.duplicated).toEqual([
      { job: "1", deliveries: 2, by: [4, 10] },
      { job: "2", deliveries: 2, by: [6, 8] },
    ]);
  });

  it("a job from a failed enqueue, or never enqueued, is unexpected", () => {
    const h = new HistoryBuilder().op(0, "fail", "enqueue", Q, 1).op(1, "ok", "dequeue", Q, undefined, 1);
    const r = checkQueue(drains(h, [], ["77"]).ops);
    expect(r.valid).toBe(false);
    expect(r.unexpected).toEqual([
      { job: "1", why: "enqueue failed", by: 2 },
      { job: "77", why: "never enqueued", by: -1 },
    ]);
    expect(r.failed).toBe(1);
  });

  it("without a successful drain, undelivered jobs make the verdict unknown (and are not listed as lost)", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "enqueue", Q, 1)
      .op(9, "info", "drain", Q)
      .op(9, "ok", "drain-inflight", Q, undefined, []);
    const r = checkQueue(h.ops);
    expect(r.valid).toBe("unknown");
    expect(r.reason).toMatch(/did not succeed/);
    expect(r.lost).toEqual([]);
    const none = checkQueue(new HistoryBuilder().op(0, "ok", "enqueue", Q, 1).ops);
    expect(none.valid).toBe("unknown");
    expect(none.reason).toMatch(/no final drain/);
  });

  it("duplicates are reported even without a drain", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "enqueue", Q, 1)
      .op(1, "ok", "dequeue", Q, undefined, 1)
      .op(2, "ok", "dequeue", Q, undefined, 1);
    expect(checkQueue(h.ops).valid).toBe(false);
  });

  it("failed and info dequeues deliver nothing", () => {
    const h = new HistoryBuilder().op(0, "ok", "enqueue", Q, 1).op(1, "fail", "dequeue", Q, undefined, 1);
    const r = checkQueue(drains(h).ops);
    expect(r.lost).toEqual([{ job: "1", enqueuedBy: 0 }]);
  });
});
