import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { SetResult } from "../../src/checker/set.js";
import { adminCall } from "../../src/client/admin.js";
import { UsageError } from "../../src/core/exit.js";
import type { IoBackendChoice } from "../../src/db/dragonfly/io.js";
import { parseInfo } from "../../src/db/info.js";
import { leftovers } from "../../src/docker/cleanup.js";
import type { Op } from "../../src/history/op.js";
import type { TestRecord } from "../../src/runner/checkRun.js";
import { planFromOptions, type RunOptions } from "../../src/runner/plan.js";
import { Progress } from "../../src/runner/progress.js";
import { runPlan } from "../../src/runner/run.js";
import { describeDragonfly, dragonflyEnvironment } from "./support/dragonfly.js";
import { readRunHistory } from "./support/history.js";

/**
 * Dragonfly's three topologies through `splitbrain run` (runPlan), on a real Dragonfly: each comes up healthy with
 * the flags asked for, runs a short fault-free workload without a false alarm, records the I/O engine it ran on,
 * and leaves nothing behind. Settings Dragonfly lacks are refused before any container exists.
 */
const env = await dragonflyEnvironment();
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-dragonfly-"));
const quiet = new Progress({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);

function options(extra: Partial<RunOptions>): RunOptions {
  return {
    db: "dragonfly",
    workload: "set",
    concurrency: "3",
    rate: "200",
    timeLimit: "3",
    recoveryTime: "0",
    opTimeout: "1000",
    waitTimeout: "1000",
    nemesis: "none",
    nemesisInterval: "10",
    nemesisMode: "sequential",
    results: resultsRoot,
    seed: "3",
    dataSize: "64m",
    ...(env.image ? { image: env.image } : {}),
    ...extra,
  };
}

type Record_ = TestRecord & {
  cluster: {
    capabilities: Record<string, { engine: string; multiplexingApi?: string; commands: Record<string, boolean> }>;
    runtime?: { ioBackend?: IoBackendChoice };
  };
};

function recordOf(dir: string): Record_ {
  return JSON.parse(readFileSync(join(dir, "test.json"), "utf8")) as Record_;
}

function historyOf(dir: string): Op[] {
  return readRunHistory(dir);
}

afterAll(() => rmSync(resultsRoot, { recursive: true, force: true }));

describeDragonfly("Dragonfly topologies end to end", env, () => {
  it("single: flags reach the server, the I/O engine is recorded, no false alarm, nothing left", async () => {
    const seen: Record<string, string> = {};
    const plan = planFromOptions(
      options({
        topology: "single",
        proactorThreads: "2",
        maxmemory: "512mb",
        snapshotCron: "*/5 * * * *",
        dbfilename: "snap",
      }),
    );
    const out = await runPlan(plan, {
      progress: quiet,
      duringWorkload: async (cluster) => {
        const n1 = cluster.nodes[0]!;
        for (const key of ["maxmemory", "snapshot_cron", "dbfilename", "dir"]) {
          const r = (await adminCall(n1.ip, n1.port, ["CONFIG", "GET", key])) as string[];
          seen[key] = r[1]!;
        }
        const info = parseInfo(String(await adminCall(n1.ip, n1.port, ["INFO", "server"])));
        seen.thread_count = info.thread_count!;
      },
    });
    expect(seen).toEqual({
      maxmemory: String(512 * 2 ** 20),
      snapshot_cron: "*/5 * * * *",
      dbfilename: "snap",
      dir: "/data",
      thread_count: "2",
    });
    expect(out.valid).toBe(true);
    const set = out.results.checkers.find((c) => c.checker === "set")!.result as SetResult;
    expect(set.lost).toEqual([]);
    const test = recordOf(out.dir.path);
    const io = test.cluster.runtime?.ioBackend;
    expect(io?.multiplexingApi).toMatch(/^(iouring|epoll)$/);
    // What the probe found is what the real server ran on.
    expect(test.cluster.capabilities.n1!.multiplexingApi).toBe(io!.multiplexingApi);
    expect(test.cluster.capabilities.n1!.engine).toBe("dragonfly");
    const flags = readFileSync(join(out.dir.path, "nodes", "n1", "dragonfly.flags"), "utf8");
    expect(flags).toContain("--version_check=false");
    expect(await leftovers(test.runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 60_000);

  it("--memlock below what io_uring needs: the run goes on over epoll, and test.json says so and why", async () => {
    const out = await runPlan(planFromOptions(options({ topology: "single", memlock: "65536", timeLimit: "1" })), {
      progress: quiet,
    });
    expect(out.valid).toBe(true);
    const test = recordOf(out.dir.path);
    expect(test.cluster.runtime?.ioBackend).toMatchObject({ multiplexingApi: "epoll", forceEpoll: false });
    expect(test.cluster.runtime!.ioBackend!.warnings.join(" ")).toMatch(/io_uring/);
    expect(test.cluster.capabilities.n1!.multiplexingApi).toBe("epoll");
  }, 60_000);

  it("replicated with --wait 1: REPLICAOF wiring, WAIT accepted and acknowledged, replicas hold every element", async () => {
    const out = await runPlan(planFromOptions(options({ topology: "replicated", replicas: "1", wait: "1" })), {
      progress: quiet,
      duringWorkload: async (cluster) => {
        const n2 = cluster.nodes[1]!;
        const role = (await adminCall(n2.ip, n2.port, ["ROLE"])) as unknown[];
        expect(role[0]).toBe("replica");
      },
    });
    expect(out.valid).toBe(true);
    const test = recordOf(out.dir.path);
    expect(test.cluster.capabilities.n1!.commands.wait).toBe(true);
    const adds = historyOf(out.dir.path).filter((o) => o.f === "add" && o.type !== "invoke");
    expect(adds.filter((o) => o.type === "ok").length).toBeGreaterThan(50);
    // No fault: WAIT 1 reached the replica every time, so no write was demoted to indeterminate.
    expect(adds.filter((o) => o.type === "info")).toEqual([]);
    expect(await leftovers(test.runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 60_000);

  it("sentinel: Redis Sentinels watch Dragonfly, healthy, valid, nothing left", async () => {
    const out = await runPlan(
      planFromOptions(options({ topology: "sentinel", replicas: "1", workload: "set,register" })),
      {
        progress: quiet,
        duringWorkload: async (cluster) => {
          const s = cluster.sentinels[0]!;
          const master = (await adminCall(s.ip, 26379, [
            "SENTINEL",
            "GET-MASTER-ADDR-BY-NAME",
            "mymaster",
          ])) as string[];
          expect(master[0]).toBe(cluster.nodes[0]!.ip);
          const replicas = (await adminCall(s.ip, 26379, ["SENTINEL", "REPLICAS", "mymaster"])) as unknown[];
          expect(replicas.length).toBe(1);
        },
      },
    );
    expect(out.valid).toBe(true);
    const test = recordOf(out.dir.path);
    expect(Object.keys(test.cluster.capabilities)).toEqual(["n1", "n2"]);
    expect(await leftovers(test.runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 60_000);

  it("settings Dragonfly lacks are refused before a container starts, each with its reason", async () => {
    const refused = async (extra: Partial<RunOptions>): Promise<unknown> => {
      try {
        await runPlan(planFromOptions(options(extra)), { progress: quiet });
        return "ran";
      } catch (e) {
        return e;
      }
    };
    const aof = await refused({ topology: "single", appendonly: "yes" } as Partial<RunOptions>);
    expect(aof).toBeInstanceOf(UsageError);
    expect((aof as Error).message).toMatch(/no append-only file/);
    const minReplicas = await refused({ topology: "replicated", minReplicasToWrite: "1" } as Partial<RunOptions>);
    expect(minReplicas).toBeInstanceOf(UsageError);
    expect((minReplicas as Error).message).toMatch(/no min-replicas-to-write/);
  }, 30_000);

  it("WAITAOF is refused by asking the server, before any op runs", async () => {
    const err = await runPlan(
      planFromOptions(options({ topology: "replicated", replicas: "1", waitaof: ["0", "1"] })),
      {
        progress: quiet,
      },
    ).then(
      () => "ran",
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/WAITAOF.*dragonfly v?1\.40/);
  }, 60_000);
});
