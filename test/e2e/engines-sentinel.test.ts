import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { SetResult } from "../../src/checker/set.js";
import type { DbName } from "../../src/core/cluster.js";
import type { Capabilities } from "../../src/db/capabilities.js";
import { leftovers } from "../../src/docker/cleanup.js";
import { versionMatches } from "../../src/image/definition.js";
import { planFromOptions } from "../../src/runner/plan.js";
import { Progress } from "../../src/runner/progress.js";
import { runPlan } from "../../src/runner/run.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { readRunHistory } from "./support/history.js";

/**
 * Each engine and version the project claims, as a Sentinel topology under the same short partition run: the
 * cluster starts, the primary is cut off twice (2-4 s and 6-7 s: long enough for Sentinel, with down-after 1 s, to
 * fail over), the history is checked, every node reports the engine and version asked for, and nothing is left
 * behind. Whether writes are lost is the engine's business; what is tested is that every element reported lost was
 * acknowledged.
 */
const ENGINES: Array<{ db: DbName; version?: string; label: string }> = [
  { db: "redis", version: "7.0", label: "Redis 7.0" },
  { db: "redis", version: "8.0", label: "Redis 8.0" },
  { db: "valkey", label: "Valkey" },
];
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-engines-"));
const quiet = new Progress({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);
afterAll(() => rmSync(resultsRoot, { recursive: true, force: true }));

for (const target of ENGINES) {
  const env = await e2eEnvironment({ db: target.db, ...(target.version ? { version: target.version } : {}) });
  describeE2e(`${target.label} under a partition (sentinel)`, env, () => {
    it("starts, survives isolate-primary partitions, is checked, and names its server version", async () => {
      const plan = planFromOptions({
        db: target.db,
        ...(target.version ? { version: target.version } : {}),
        image: env.image!,
        topology: "sentinel",
        downAfterMs: "1000",
        failoverTimeoutMs: "3000",
        workload: "register,set",
        concurrency: "6",
        timeLimit: "7",
        recoveryTime: "2",
        opTimeout: "1000",
        nemesis: "partition",
        partition: "isolate-primary",
        nemesisInterval: "2",
        nemesisMode: "sequential",
        results: resultsRoot,
        seed: "10",
        dataSize: "64m",
      });
      const t0 = Date.now();
      const out = await runPlan(plan, { progress: quiet });
      const tookMs = Date.now() - t0;

      expect(out.results.incomplete).toBeUndefined();
      expect(out.valid).not.toBe("unknown");
      const test = JSON.parse(readFileSync(out.dir.testPath, "utf8")) as {
        runId: string;
        schedule: { events: Array<{ fault: string; action: string }> };
        cluster: { capabilities: Record<string, Capabilities>; timings: Record<string, number> };
      };
      expect(test.schedule.events.filter((e) => e.fault === "partition" && e.action === "start").length).toBe(2);
      const caps = Object.values(test.cluster.capabilities);
      expect(caps.length).toBe(3);
      for (const c of caps) {
        expect(c.engine).toBe(target.db);
        if (target.version) expect(versionMatches(target.version, c.version)).toBe(true);
      }

      const ops = readRunHistory(out.dir.path);
      const ackedAdds = new Set(
        ops.filter((o) => o.type === "ok" && o.f === "add").map((o) => `${o.key}/${String(o.value)}`),
      );
      expect(ackedAdds.size).toBeGreaterThan(100);
      const set = out.results.checkers.find((c) => c.checker === "set")!.result as SetResult;
      for (const l of set.lost) expect(ackedAdds.has(`${l.key}/${l.element}`)).toBe(true);
      // The figures people compare engines by, printed so the test log carries them.
      console.log(
        `${target.label} ${caps[0]!.version}: start ${test.cluster.timings.total} ms, run ${tookMs} ms, ` +
          `${set.acknowledged} acknowledged adds, ${set.lost.length} lost, ${set.indeterminate} indeterminate, verdict ${String(out.valid)}`,
      );
      expect(await leftovers(test.runId)).toEqual({ containers: [], networks: [], volumes: [] });
    }, 120_000);
  });
}
