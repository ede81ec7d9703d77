import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { PowerLossValue } from "../../nemeses/power-loss.js";
import type { SetResult } from "../../src/checker/set.js";
import { leftovers } from "../../src/docker/cleanup.js";
import type { Op } from "../../src/history/op.js";
import { planFromOptions, type RunOptions } from "../../src/runner/plan.js";
import { Progress } from "../../src/runner/progress.js";
import { runPlan } from "../../src/runner/run.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { readRunHistory } from "./support/history.js";

/**
 * power-loss on a single real Redis, per persistence mode: appendfsync always loses no acknowledged write, everysec
 * loses only about the last second, no and RDB-only lose more. CI runs always and everysec; the whole matrix with
 * SPLITBRAIN_POWERLOSS_MATRIX=1 (npm run test:powerloss).
 */
const env = await e2eEnvironment({ db: "redis" });
const matrix = process.env.SPLITBRAIN_POWERLOSS_MATRIX === "1";
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-powerloss-"));
const quiet = new Progress({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);

afterAll(() => rmSync(resultsRoot, { recursive: true, force: true }));

interface Figures {
  mode: string;
  acknowledged: number;
  lost: number;
  /** How long before its power loss the oldest lost element was acknowledged. */
  oldestLostAckBeforeFaultMs: number;
  discardedBytes: number;
  powerLosses: number;
}

async function powerLossRun(mode: string, cluster: Partial<RunOptions>): Promise<Figures> {
  const plan = planFromOptions({
    topology: "single",
    timeLimit: "7",
    workload: "set",
    nemesis: "power-loss",
    concurrency: "4",
    recoveryTime: "1",
    opTimeout: "1000",
    waitTimeout: "1000",
    nemesisInterval: "3",
    nemesisMode: "sequential",
    results: resultsRoot,
    seed: "7",
    dataSize: "64m",
    ...(env.image ? { image: env.image } : {}),
    ...cluster,
  });
  const out = await runPlan(plan, { progress: quiet });
  const ops = readRunHistory(out.dir.path) as Op[];
  const set = out.results.checkers.find((c) => c.checker === "set")!.result as SetResult;

  const faults = ops.filter((o) => o.f === "start-power-loss" && o.type === "ok");
  expect(faults.length).toBeGreaterThan(0);
  const faultTimes = faults.map((o) => o.time!);
  let discardedBytes = 0;
  for (const f of faults) {
    const v = f.value as PowerLossValue;
    expect(v.nodes).toHaveLength(1);
    discardedBytes += v.lost[v.nodes[0]!]!.discardedBytes;
  }
  // Each lost element against the first power loss after its acknowledgement.
  const ackTime = new Map<string, number>();
  for (const o of ops) if (o.f === "add" && o.type === "ok") ackTime.set(String(o.value), o.time!);
  let oldest = 0;
  for (const l of set.lost) {
    const t = ackTime.get(l.element);
    expect(t).toBeDefined();
    const next = faultTimes.find((f) => f >= t!);
    expect(next).toBeDefined();
    oldest = Math.max(oldest, (next! - t!) / 1e6);
  }
  const runId = (JSON.parse(readFileSync(join(out.dir.path, "test.json"), "utf8")) as { runId: string }).runId;
  expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  const figures = {
    mode,
    acknowledged: set.acknowledged,
    lost: set.lost.length,
    oldestLostAckBeforeFaultMs: Math.round(oldest),
    discardedBytes,
    powerLosses: faults.length,
  };
  console.log(`power-loss figures: ${JSON.stringify(figures)}`);
  return figures;
}

describeE2e("power-loss on a single real Redis", env, () => {
  it("appendfsync always: no acknowledged write is lost", async () => {
    const f = await powerLossRun("always", { appendonly: "yes", appendfsync: "always", save: "" });
    expect(f.acknowledged).toBeGreaterThan(100);
    expect(f.lost).toBe(0);
  }, 120_000);

  it("appendfsync everysec: some acknowledged writes are lost, all from the last second or two", async () => {
    const f = await powerLossRun("everysec", { appendonly: "yes", appendfsync: "everysec", save: "" });
    expect(f.acknowledged).toBeGreaterThan(100);
    expect(f.lost).toBeGreaterThan(0);
    expect(f.discardedBytes).toBeGreaterThan(0);
    expect(f.oldestLostAckBeforeFaultMs).toBeLessThan(2500);
  }, 120_000);

  it.runIf(matrix)(
    "appendfsync no: loses everything written since the AOF was last fsynced",
    async () => {
      const f = await powerLossRun("no", { appendonly: "yes", appendfsync: "no", save: "" });
      expect(f.lost).toBeGreaterThan(0);
      // Redis never fsyncs the AOF in this mode, and the lazy filesystem has no writeback: the whole run is at risk.
      expect(f.oldestLostAckBeforeFaultMs).toBeGreaterThan(2000);
    },
    120_000,
  );

  it.runIf(matrix)(
    "RDB only: loses everything since the last completed save",
    async () => {
      // A snapshot at most every 2 s: what survives is the last completed one, so up to ~2 s (plus the save) is lost.
      const f = await powerLossRun("rdb", { appendonly: "no", save: "2 1" });
      expect(f.lost).toBeGreaterThan(0);
      expect(f.oldestLostAckBeforeFaultMs).toBeLessThan(4000);
    },
    120_000,
  );

  it.runIf(matrix)(
    "sentinel, appendfsync always: the primary loses power, the run heals and is checked",
    async () => {
      const f = await powerLossRun("sentinel-always", {
        topology: "sentinel",
        appendonly: "yes",
        appendfsync: "always",
        save: "",
        timeLimit: "12",
        nemesisInterval: "4",
        recoveryTime: "3",
      });
      expect(f.powerLosses).toBeGreaterThan(0);
      expect(f.acknowledged).toBeGreaterThan(100);
    },
    180_000,
  );
});
