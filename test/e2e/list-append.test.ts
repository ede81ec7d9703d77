import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { ListAppendResult } from "../../src/checker/list-append/index.js";
import { leftovers } from "../../src/docker/cleanup.js";
import type { Op } from "../../src/history/op.js";
import { writeReport } from "../../src/report/write.js";
import { planFromOptions, type RunOptions } from "../../src/runner/plan.js";
import { Progress } from "../../src/runner/progress.js";
import { runPlan } from "../../src/runner/run.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { readRunHistory } from "./support/history.js";

/**
 * The list-append workload end to end on real Redis: transactions through MULTI/EXEC on Sentinel under a partition
 * of the primary, and through Lua on Redis Cluster. Whether an anomaly shows depends on timing, so the assertions
 * are about what must hold every time: a verdict, well-formed evidence, every cycle explained edge by edge, and
 * nothing left behind.
 */
const env = await e2eEnvironment({ db: "redis" });
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-list-append-"));
const quiet = new Progress({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);

function options(extra: Partial<RunOptions>): RunOptions {
  return {
    workload: "list-append",
    concurrency: "6",
    timeLimit: "5",
    recoveryTime: "2",
    opTimeout: "1000",
    nemesisInterval: "5",
    nemesisMode: "sequential",
    results: resultsRoot,
    seed: "23",
    dataSize: "64m",
    ...(env.image ? { image: env.image } : {}),
    ...extra,
  };
}

afterAll(() => rmSync(resultsRoot, { recursive: true, force: true }));

function historyOf(dir: string): Op[] {
  return readRunHistory(dir);
}

function expectWellFormed(r: ListAppendResult, history: Op[]): void {
  expect(r.consistency).toBe("strict-serializable");
  expect(r.txns.ok).toBeGreaterThan(100);
  expect(r.graph.edges).toBeGreaterThan(0);
  for (const cy of r.cycles) {
    expect(cy.edges.length).toBe(cy.txns.length);
    cy.edges.forEach((e, i) => {
      expect(e.from).toBe(cy.txns[i]!.id);
      expect(e.to).toBe(cy.txns[(i + 1) % cy.txns.length]!.id);
      expect(e.why).toContain(`T${e.from} ${e.kind}-> T${e.to}`);
    });
  }
  // A lost append names the acknowledged transaction that made it.
  const byIndex = new Map(history.map((o) => [o.index, o]));
  for (const l of r.lost.slice(0, 200)) {
    const inv = byIndex.get(l.writer)!;
    expect(inv.type).toBe("invoke");
    expect(
      (inv.value as unknown[][]).some((m) => m[0] === "append" && String(m[1]) === l.key && String(m[2]) === l.value),
    ).toBe(true);
  }
  if (r.valid === false) expect(r.prohibited.length).toBeGreaterThan(0);
}

describeE2e("list-append on real Redis", env, () => {
  it("Sentinel, MULTI/EXEC, the primary partitioned away: a verdict with well-formed evidence", async () => {
    const plan = planFromOptions(
      options({
        nemesis: "partition",
        partition: "isolate-primary",
        timeLimit: "15",
      }),
    );
    const out = await runPlan(plan, { progress: quiet });
    const outcome = out.results.checkers.find((c) => c.checker === "list-append")!;
    const r = outcome.result as ListAppendResult;
    expect([true, false, "unknown"]).toContain(r.valid);
    const history = historyOf(out.dir.path);
    expectWellFormed(r, history);
    const txns = history.filter((o) => o.f === "txn" && o.type !== "invoke");
    expect(txns.some((o) => o.type === "ok")).toBe(true);
    // An ok transaction's reads carry lists; a failed or indeterminate one's carry nil.
    for (const o of txns.slice(0, 2000)) {
      for (const m of o.value as unknown[][]) if (m[0] === "r") expect(Array.isArray(m[2])).toBe(o.type === "ok");
    }
    const html = readFileSync(await writeReport(out.dir.path), "utf8");
    expect(html).toContain("checked against <b>strict-serializable</b>");
    if (r.cycles.length) expect(html).toContain('<svg class="cycle"');
    const runId = (JSON.parse(readFileSync(join(out.dir.path, "test.json"), "utf8")) as { runId: string }).runId;
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 150_000);

  it("Redis Cluster, MULTI/EXEC on each slot's owner, no faults: valid", async () => {
    const plan = planFromOptions(options({ topology: "cluster", nemesis: "none", timeLimit: "5" }));
    const out = await runPlan(plan, { progress: quiet });
    const r = out.results.checkers.find((c) => c.checker === "list-append")!.result as ListAppendResult;
    expectWellFormed(r, historyOf(out.dir.path));
    expect(r.valid).toBe(true);
    expect(r.txns.info).toBe(0);
    expect(r.txns.fail).toBe(0);
  }, 150_000);

  it("a single node, Lua transactions (--txn lua), no faults: valid", async () => {
    const plan = planFromOptions(options({ topology: "single", nemesis: "none", timeLimit: "4", txn: "lua" }));
    expect(plan.txn).toBe("lua");
    const out = await runPlan(plan, { progress: quiet });
    const r = out.results.checkers.find((c) => c.checker === "list-append")!.result as ListAppendResult;
    expectWellFormed(r, historyOf(out.dir.path));
    expect(r.valid).toBe(true);
    expect(r.txns.fail + r.txns.info).toBe(0);
  }, 150_000);
});
