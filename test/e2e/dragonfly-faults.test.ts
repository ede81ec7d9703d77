import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { SetResult } from "../../src/checker/set.js";
import { adminCall } from "../../src/client/admin.js";
import { cleanRun, leftovers } from "../../src/docker/cleanup.js";
import type { Op } from "../../src/history/op.js";
import type { TestRecord } from "../../src/runner/checkRun.js";
import { planFromOptions, type RunOptions } from "../../src/runner/plan.js";
import { Progress } from "../../src/runner/progress.js";
import { type RunHooks, type RunOutcome, runPlan } from "../../src/runner/run.js";
import { describeDragonfly, dragonflyEnvironment } from "./support/dragonfly.js";
import { readRunHistory } from "./support/history.js";

/**
 * Faults on a real Dragonfly through `splitbrain run`, checked like Redis's. What is asserted is what the history
 * can prove, not what Redis would do: a loss must be of acknowledged writes made where the fault put them, and a
 * snapshot must bring back every write acknowledged before it.
 */
const env = await dragonflyEnvironment();
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-dragonfly-faults-"));
const quiet = new Progress({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);
const runIds: string[] = [];

function options(extra: Partial<RunOptions>): RunOptions {
  return {
    db: "dragonfly",
    workload: "set",
    concurrency: "4",
    rate: "150",
    timeLimit: "9",
    recoveryTime: "1",
    opTimeout: "500",
    waitTimeout: "1000",
    nemesisInterval: "3",
    nemesisMode: "sequential",
    results: resultsRoot,
    seed: "7",
    dataSize: "64m",
    ...(env.image ? { image: env.image } : {}),
    ...extra,
  };
}

interface Ran {
  out: RunOutcome;
  ops: Op[];
  set: SetResult;
}

async function run(extra: Partial<RunOptions>, hooks: RunHooks = {}): Promise<Ran> {
  const out = await runPlan(planFromOptions(options(extra)), { progress: quiet, ...hooks });
  const test = JSON.parse(readFileSync(join(out.dir.path, "test.json"), "utf8")) as TestRecord;
  runIds.push(test.runId);
  const ops = readRunHistory(out.dir.path);
  const set = out.results.checkers.find((c) => c.checker === "set")!.result as SetResult;
  expect(await leftovers(test.runId)).toEqual({ containers: [], networks: [], volumes: [] });
  return { out, ops, set };
}

function nemesisOk(ops: readonly Op[], f: string): Op {
  const op = ops.find((o) => o.process === "nemesis" && o.f === f && o.type === "ok");
  if (!op) throw new Error(`the history has no ok ${f}`);
  return op;
}

/** Each add's invocation and completion, by the element it adds (each element is added once). */
function adds(ops: readonly Op[]): Map<string, { invoke: Op; done: Op | undefined }> {
  const open = new Map<Op["process"], Op>();
  const out = new Map<string, { invoke: Op; done: Op | undefined }>();
  for (const o of ops) {
    if (o.process === "nemesis" || o.f !== "add") continue;
    if (o.type === "invoke") {
      open.set(o.process, o);
      out.set(String(o.value), { invoke: o, done: undefined });
    } else {
      const inv = open.get(o.process);
      if (inv) out.get(String(inv.value))!.done = o;
      open.delete(o.process);
    }
  }
  return out;
}

afterAll(async () => {
  for (const id of runIds) await cleanRun(id).catch(() => undefined);
  rmSync(resultsRoot, { recursive: true, force: true });
}, 60_000);

describeDragonfly("faults on Dragonfly through splitbrain run", env, () => {
  it("sentinel, isolate-primary: whatever is lost was acknowledged, by the cut-off primary, during the partition", async () => {
    const r = await run({
      topology: "sentinel",
      replicas: "1",
      nemesis: "partition",
      partition: "isolate-primary",
      downAfterMs: "1000",
    });
    const started = nemesisOk(r.ops, "start-partition");
    const startInvoked = r.ops.find((o) => o.process === "nemesis" && o.f === "start-partition" && o.type === "invoke")!
      .time!;
    nemesisOk(r.ops, "stop-partition");
    const grudge = (started.value as { grudge: Record<string, string[]> }).grudge;
    const isolated = Object.keys(grudge).find(
      (n) => /^n\d$/.test(n) && grudge[n]!.length === Object.keys(grudge).length - 1,
    )!;
    expect(isolated).toBe("n1");
    const byInvoke = adds(r.ops);
    expect([...byInvoke.values()].filter((a) => a.done?.type === "ok").length).toBeGreaterThan(100);
    for (const l of r.set.lost) {
      const a = byInvoke.get(l.element)!;
      // Only acknowledged adds can be lost; indeterminate ones never are.
      expect(a.done?.type).toBe("ok");
      expect(a.done?.node).toBe(isolated);
      // Acknowledged once the cut was being applied, give or take the replication lag of a loaded host: an add
      // invoked a little earlier can be answered after the primary's links were already cut.
      expect(a.done!.time!).toBeGreaterThan(startInvoked - 500e6);
    }
    // Sentinel moved the primary: after the partition some adds were acknowledged by another node.
    const later = [...byInvoke.values()].filter((a) => a.done?.type === "ok" && a.invoke.time! > started.time!);
    expect(later.some((a) => a.done!.node !== isolated)).toBe(true);
    expect(r.out.valid).toBe(r.set.lost.length === 0);
  }, 90_000);

  it("kill-restart on a single node: a SAVE's snapshot brings back every write acknowledged before it", async () => {
    let saveFrom = 0;
    let saveTo = 0;
    const r = await run(
      { topology: "single", nemesis: "kill", timeLimit: "8" },
      {
        duringWorkload: async (cluster, clock) => {
          await new Promise((resolve) => setTimeout(resolve, 1500));
          const n1 = cluster.nodes[0]!;
          saveFrom = clock.now();
          expect(await adminCall(n1.ip, n1.port, ["SAVE"], 10_000)).toBe("OK");
          saveTo = clock.now();
        },
      },
    );
    const killed = nemesisOk(r.ops, "start-kill");
    nemesisOk(r.ops, "stop-kill");
    expect(saveTo).toBeGreaterThan(0);
    expect(saveTo).toBeLessThan(killed.time!);
    const byInvoke = adds(r.ops);
    const ackedBeforeSave = [...byInvoke.values()].filter((a) => a.done?.type === "ok" && a.done.time! < saveFrom);
    expect(ackedBeforeSave.length).toBeGreaterThan(50);
    const lost = new Set(r.set.lost.map((l) => l.element));
    // Came back from the snapshot: none of those is lost, and the final read saw them.
    for (const a of ackedBeforeSave) expect(lost.has(String(a.invoke.value))).toBe(false);
    expect(r.set.stable).toBeGreaterThanOrEqual(ackedBeforeSave.length);
    // What was lost was written after the snapshot began and before the kill: no AOF, so nothing else keeps it.
    for (const l of r.set.lost) {
      const a = byInvoke.get(l.element)!;
      expect(a.invoke.time!).toBeGreaterThan(saveFrom);
      expect(a.invoke.time!).toBeLessThan(killed.time!);
    }
    expect(r.set.lost.length).toBeGreaterThan(0);
    expect(r.out.valid).toBe(false);
  }, 90_000);
});
