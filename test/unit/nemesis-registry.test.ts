import { describe, expect, it } from "vitest";
import {
  CLOCK_SKEW_NOTE,
  clusterNeeds,
  defaultNemeses,
  FAULT_OPTIONS,
  NEMESES,
  nemesisHelp,
  parseNemesisList,
} from "../../nemeses/index.js";
import { UsageError } from "../../src/core/exit.js";
import { SeededRng } from "../../src/core/rng.js";
import { createHealer, healEverything, type NemesisOpRecord, runSchedule } from "../../src/nemesis/driver.js";
import type { Nemesis } from "../../src/nemesis/nemesis.js";
import { planSchedule } from "../../src/nemesis/schedule.js";
import { FakeCluster, fakeContext } from "./nemesis-fakes.js";

describe("registry", () => {
  it("has every fault of the issue, each a complete package whose fs follow start-/stop-<name>", () => {
    const expected = [
      "partition",
      "kill",
      "restart",
      "pause",
      "disk-fill",
      "memory-pressure",
      "packet-loss",
      "latency",
      "failover",
      "snapshot-storm",
      "power-loss",
      "hook",
      "client-pause",
      "debug-sleep",
      "config",
    ];
    expect([...NEMESES.keys()].sort()).toEqual(expected.sort());
    for (const [name, p] of NEMESES) {
      const n = p.create({});
      expect(n.name).toBe(name);
      expect(n.fs).toEqual({ start: `start-${name}`, stop: `stop-${name}` });
      expect(n.perf.colour).toMatch(/^#[0-9a-f]{6}$/);
      expect(n.describe()).toContain(name === "kill" ? "kill-restart" : name);
      expect(nemesisHelp()).toContain(p.summary);
    }
  });

  it("carries each fault's looks on its package, the same as on the fault it creates", () => {
    for (const p of NEMESES.values()) {
      const n = p.create({});
      expect({ name: p.name, fs: p.fs, perf: p.perf }).toEqual({ name: n.name, fs: n.fs, perf: n.perf });
    }
  });

  it("declares each fault option once, and lands given values in the fields its faults read", () => {
    const flags = FAULT_OPTIONS.map((o) => o.flags.split(" ")[0]);
    expect(new Set(flags).size).toBe(flags.length);
    expect(flags.slice(0, 3)).toEqual(["--target", "--partition", "--partition-clients"]);
    const problems: string[] = [];
    const byFlag = (flag: string) => FAULT_OPTIONS.find((o) => o.flags.startsWith(`${flag} `) || o.flags === flag)!;
    expect(byFlag("--disk-free").parse("1kb", problems)).toEqual({ diskFreeBytes: 1024 });
    expect(byFlag("--strict-metadata").parse(true, problems)).toEqual({ strictMetadata: true });
    expect(byFlag("--packet-loss").parse("2", problems)).toEqual({});
    expect(problems).toEqual(['--packet-loss takes a probability in (0, 1], such as 0.2 (got "2")']);
  });

  it("asks the cluster for the lazy filesystem only for a fault that needs it, with its options", () => {
    expect(clusterNeeds(["partition", "kill"], { strictMetadata: true })).toEqual({});
    expect(clusterNeeds(["kill", "power-loss"], {})).toEqual({ lazyFs: { strictMetadata: false } });
    expect(clusterNeeds(["power-loss"], { strictMetadata: true })).toEqual({ lazyFs: { strictMetadata: true } });
  });

  it("parses --nemesis lists, none, and refuses unknown or repeated names", () => {
    expect(parseNemesisList("partition, kill").map((p) => p.name)).toEqual(["partition", "kill"]);
    expect(parseNemesisList("none")).toEqual([]);
    expect(() => parseNemesisList("none,kill")).toThrow(/none/);
    expect(() => parseNemesisList("kill,kill")).toThrow(/twice/);
    expect(() => parseNemesisList("")).toThrow(UsageError);
    try {
      parseNemesisList("clock-skew");
      expect.unreachable();
    } catch (err) {
      expect((err as UsageError).hint).toBe(CLOCK_SKEW_NOTE);
    }
  });

  it("defaults to partition,kill where there is something to cut", () => {
    expect(defaultNemeses("sentinel")).toEqual(["partition", "kill"]);
    expect(defaultNemeses("single")).toEqual(["kill"]);
  });
});

describe("driver", () => {
  it("runs a plan, recording invoke and completion ops with the fault's value, and heals at the end", async () => {
    const cluster = new FakeCluster("sentinel", 3);
    const ctx = fakeContext(cluster);
    const kill = NEMESES.get("kill")!.create({});
    const events = planSchedule({
      faults: [{ name: "kill" }],
      intervalMs: 1000,
      durationMs: 3500,
      rng: new SeededRng(1),
    });
    const ops: NemesisOpRecord[] = [];
    const waited: number[] = [];
    await runSchedule({
      events,
      nemeses: new Map([["kill", kill]]),
      ctx,
      waitUntil: async (at) => void waited.push(at),
      record: (op) => ops.push(op),
    });
    expect(waited).toEqual([1000, 2000, 3000, 3500]);
    expect(ops).toEqual([
      { type: "invoke", f: "start-kill" },
      { type: "ok", f: "start-kill", value: { nodes: ["n1"], signal: "SIGKILL" } },
      { type: "invoke", f: "stop-kill" },
      { type: "ok", f: "stop-kill", value: { nodes: ["n1"] } },
      { type: "invoke", f: "start-kill" },
      { type: "ok", f: "start-kill", value: { nodes: ["n1"], signal: "SIGKILL" } },
      { type: "invoke", f: "stop-kill" },
      { type: "ok", f: "stop-kill", value: { nodes: ["n1"] } },
    ]);
    expect(cluster.node("n1").proc).toBe("running");
  });

  it("a fault that fails completes as info with the error, and the run goes on", async () => {
    const cluster = new FakeCluster("replicated", 3);
    cluster.node("n2").failOn = "iptables";
    const ctx = fakeContext(cluster);
    const partition = NEMESES.get("partition")!.create({ grudge: "halves" });
    const ops: NemesisOpRecord[] = [];
    await runSchedule({
      events: [
        { atMs: 1, fault: "partition", action: "start" },
        { atMs: 2, fault: "partition", action: "stop" },
      ],
      nemeses: new Map([["partition", partition]]),
      ctx,
      waitUntil: async () => {},
      record: (op) => ops.push(op),
    });
    expect(ops.map((o) => o.type)).toEqual(["invoke", "info", "invoke", "info"]);
    expect(ops[1]?.error).toMatch(/n2: applying the partition failed/);
    expect(ctx.lines.some((l) => l.includes("did not complete"))).toBe(true);
  });

  it("stops early when aborted", async () => {
    const ctx = fakeContext(new FakeCluster("replicated", 3));
    const controller = new AbortController();
    const ops: NemesisOpRecord[] = [];
    await runSchedule({
      events: [
        { atMs: 1, fault: "kill", action: "start" },
        { atMs: 2, fault: "kill", action: "stop" },
      ],
      nemeses: new Map([["kill", NEMESES.get("kill")!.create({})]]),
      ctx,
      waitUntil: async (at) => {
        if (at === 2) controller.abort();
      },
      record: (op) => ops.push(op),
      signal: controller.signal,
    });
    expect(ops.map((o) => o.f)).toEqual(["start-kill", "start-kill"]);
  });

  it("heals every fault even when one heal fails, names the failure, and coalesces concurrent calls", async () => {
    const ctx = fakeContext(new FakeCluster("replicated", 3));
    let heals = 0;
    const broken: Nemesis = {
      name: "broken",
      fs: { start: "start-broken", stop: "stop-broken" },
      perf: { label: "broken", colour: "#000000" },
      start: async () => undefined,
      stop: async () => undefined,
      healAll: async () => {
        heals++;
        await new Promise((r) => setTimeout(r, 5));
        throw new Error("n2 unreachable");
      },
      describe: () => "broken",
    };
    const pause = NEMESES.get("pause")!.create({});
    (ctx.cluster as FakeCluster).node("n3").proc = "paused";
    expect(await healEverything([broken, pause], ctx)).toEqual([
      { nemesis: "broken", error: "n2 unreachable", mayRemain: "whatever broken changed" },
    ]);
    expect((ctx.cluster as FakeCluster).node("n3").proc).toBe("running");
    const heal = createHealer([broken], ctx);
    const [a, b] = await Promise.all([heal(), heal()]);
    expect(a).toBe(b);
    expect(heals).toBe(2);
    await heal();
    expect(heals).toBe(3);
  });
});
