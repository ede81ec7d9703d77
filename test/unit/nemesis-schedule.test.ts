import { describe, expect, it } from "vitest";
import { SeededRng } from "../../src/core/rng.js";
import { activeWindows, planSchedule, type ScheduledFault, type ScheduleEvent } from "../../src/nemesis/schedule.js";

const plan = (faults: ScheduledFault[], seed: number, mode?: "sequential" | "mix", durationMs = 200_000) =>
  planSchedule({ faults, intervalMs: 10_000, durationMs, rng: new SeededRng(seed), mode });

/** Per fault: actions strictly alternate start/stop, beginning with start; every start is stopped by the end. */
function expectWellFormed(events: ScheduleEvent[], durationMs: number): void {
  const state = new Map<string, boolean>();
  let last = 0;
  for (const e of events) {
    expect(e.atMs).toBeGreaterThanOrEqual(last);
    expect(e.atMs).toBeLessThanOrEqual(durationMs);
    last = e.atMs;
    expect(state.get(e.fault) ?? false).toBe(e.action === "stop");
    state.set(e.fault, e.action === "start");
  }
  expect([...state.values()].every((active) => !active)).toBe(true);
}

describe("one fault", () => {
  it("alternates start -> interval -> stop -> interval, after one quiet interval", () => {
    const events = plan([{ name: "partition" }], 1, undefined, 60_000);
    expect(events).toEqual([
      { atMs: 10_000, fault: "partition", action: "start" },
      { atMs: 20_000, fault: "partition", action: "stop" },
      { atMs: 30_000, fault: "partition", action: "start" },
      { atMs: 40_000, fault: "partition", action: "stop" },
      { atMs: 50_000, fault: "partition", action: "start" },
      { atMs: 60_000, fault: "partition", action: "stop", final: true },
    ]);
  });

  it("a run shorter than the interval gets no fault", () => {
    expect(plan([{ name: "kill" }], 1, undefined, 5_000)).toEqual([]);
    expect(plan([], 1)).toEqual([]);
  });
});

describe("sequential (default)", () => {
  it("runs one fault at a time, each for one interval, every fault once per round", () => {
    const faults = [{ name: "partition" }, { name: "kill" }, { name: "pause" }];
    for (let seed = 0; seed < 20; seed++) {
      const events = plan(faults, seed, undefined, 240_000);
      expectWellFormed(events, 240_000);
      const starts = events.filter((e) => e.action === "start").map((e) => e.fault);
      for (let r = 0; r + 3 <= starts.length; r += 3) expect(new Set(starts.slice(r, r + 3)).size).toBe(3);
      for (const w of activeWindows(events)) expect(w.toMs - w.fromMs).toBeLessThanOrEqual(10_000);
      const windows = activeWindows(events).sort((a, b) => a.fromMs - b.fromMs);
      for (let i = 1; i < windows.length; i++) {
        expect(windows[i]!.fromMs).toBeGreaterThanOrEqual(windows[i - 1]!.toMs + 10_000);
      }
    }
  });

  it("is repeatable from the seed and varies across seeds", () => {
    const faults = [{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }];
    expect(plan(faults, 5)).toEqual(plan(faults, 5));
    const orders = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      orders.add(
        plan(faults, seed)
          .filter((e) => e.action === "start")
          .map((e) => e.fault)
          .join(","),
      );
    }
    expect(orders.size).toBeGreaterThan(5);
  });
});

describe("mix", () => {
  it("overlaps faults, but never two of one group, and stops everything at the end", () => {
    const faults = [
      { name: "kill", group: "process" },
      { name: "pause", group: "process" },
      { name: "partition" },
      { name: "disk-fill" },
    ];
    let overlapped = false;
    for (let seed = 0; seed < 30; seed++) {
      const events = plan(faults, seed, "mix", 300_000);
      expectWellFormed(events, 300_000);
      const windows = activeWindows(events);
      for (const a of windows) {
        for (const b of windows) {
          if (a === b || a.fromMs >= b.toMs || b.fromMs >= a.toMs) continue;
          overlapped = true;
          expect([a.fault, b.fault].sort()).not.toEqual(["kill", "pause"]);
        }
      }
      const finals = events.filter((e) => e.final);
      for (const f of finals) expect(f.atMs).toBe(300_000);
    }
    expect(overlapped).toBe(true);
  });
});

describe("validation", () => {
  it("refuses a non-positive interval and duplicate faults", () => {
    expect(() =>
      planSchedule({ faults: [{ name: "a" }], intervalMs: 0, durationMs: 1, rng: new SeededRng(1) }),
    ).toThrow(/positive/);
    expect(() => plan([{ name: "a" }, { name: "a" }], 1)).toThrow(/twice/);
  });
});
