import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { CounterResult } from "../../src/checker/counter.js";
import type { SetResult } from "../../src/checker/set.js";
import { leftovers } from "../../src/docker/cleanup.js";
import type { Op } from "../../src/history/op.js";
import { planFromOptions, type RunOptions } from "../../src/runner/plan.js";
import { Progress } from "../../src/runner/progress.js";
import { runPlan } from "../../src/runner/run.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { readRunHistory } from "./support/history.js";

/**
 * `splitbrain run` end to end on real Redis: no false alarm without faults, and a deliberate loss (FLUSHALL on the
 * primary mid-run) reported as exactly the acknowledged elements that vanished, never an indeterminate one.
 */
const env = await e2eEnvironment({ db: "redis" });
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-run-"));
const quiet = new Progress({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);

function options(extra: Partial<RunOptions>): RunOptions {
  return {
    workload: "register,set",
    concurrency: "6",
    timeLimit: "6",
    recoveryTime: "1",
    opTimeout: "1000",
    waitTimeout: "1000",
    nemesisInterval: "10",
    nemesisMode: "sequential",
    results: resultsRoot,
    seed: "11",
    dataSize: "64m",
    ...(env.image ? { image: env.image } : {}),
    ...extra,
  };
}

function historyOf(dir: string): Op[] {
  return readRunHistory(dir);
}

afterAll(() => rmSync(resultsRoot, { recursive: true, force: true }));

describeE2e("splitbrain run on real Redis", env, () => {
  it("sentinel without faults: register, set and counter are valid, the counter exact", async () => {
    const plan = planFromOptions(options({ workload: "register,set,counter", nemesis: "none" }));
    const out = await runPlan(plan, { progress: quiet });
    expect(out.results.incomplete).toBeUndefined();
    expect(out.valid).toBe(true);
    const counter = out.results.checkers.find((c) => c.checker === "counter")!.result as CounterResult;
    expect(counter.final).toBeDefined();
    expect(counter.adds.acknowledged).toBeGreaterThan(50);
    // No fault, so nothing indeterminate: the bounds close on one value, and the final read is it.
    expect(counter.indeterminateSum).toBe(0);
    expect(counter.final!.value).toBe(counter.acknowledgedSum);
    const ops = historyOf(out.dir.path);
    expect(ops.filter((o) => o.type === "ok").length).toBeGreaterThan(500);
    const runId = (JSON.parse(readFileSync(join(out.dir.path, "test.json"), "utf8")) as { runId: string }).runId;
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 120_000);

  it("FLUSHALL on the primary mid-run: exactly the acknowledged elements added before it are lost", async () => {
    const plan = planFromOptions(
      options({ topology: "single", workload: "set", nemesis: "none", concurrency: "4", timeLimit: "5" }),
    );
    let flushFrom = 0;
    let flushTo = 0;
    const out = await runPlan(plan, {
      progress: quiet,
      duringWorkload: async (cluster, clock) => {
        await new Promise((r) => setTimeout(r, 2000));
        const n1 = cluster.nodes[0]!;
        flushFrom = clock.now();
        const r = await n1.exec(["redis-cli", "-p", String(n1.port), "FLUSHALL"]);
        flushTo = clock.now();
        expect(r.stdout.trim()).toBe("OK");
      },
    });
    expect(out.valid).toBe(false);
    const set = out.results.checkers.find((c) => c.checker === "set")!.result as SetResult;
    const lost = new Set(set.lost.map((l) => l.element));
    const ops = historyOf(out.dir.path);
    const invokeOf = new Map<number, Op>();
    const ackedBefore: string[] = [];
    const addedAfter: string[] = [];
    const invokedBeforeFlushEnd = new Set<string>();
    const indeterminate: string[] = [];
    for (const op of ops) {
      if (op.f !== "add" || op.process === "nemesis") continue;
      if (op.type === "invoke") {
        invokeOf.set(op.process, op);
        if (op.time! <= flushTo) invokedBeforeFlushEnd.add(String(op.value));
      } else {
        const inv = invokeOf.get(op.process)!;
        if (op.type === "ok" && op.time! < flushFrom) ackedBefore.push(String(op.value));
        if (op.type === "ok" && inv.time! > flushTo) addedAfter.push(String(op.value));
        if (op.type === "info") indeterminate.push(String(op.value));
      }
    }
    expect(ackedBefore.length).toBeGreaterThan(50);
    for (const e of ackedBefore) expect(lost.has(e)).toBe(true);
    for (const e of addedAfter) expect(lost.has(e)).toBe(false);
    for (const e of indeterminate) expect(lost.has(e)).toBe(false);
    // And nothing else: every lost element was added before the flush ended.
    for (const e of lost) expect(invokedBeforeFlushEnd.has(e)).toBe(true);
  }, 120_000);
});
