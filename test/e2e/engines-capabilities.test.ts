import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { DbName } from "../../src/core/cluster.js";
import { UsageError } from "../../src/core/exit.js";
import type { Capabilities } from "../../src/db/capabilities.js";
import { leftovers } from "../../src/docker/cleanup.js";
import { planFromOptions, type RunOptions } from "../../src/runner/plan.js";
import { Progress } from "../../src/runner/progress.js";
import { runPlan } from "../../src/runner/run.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { readRunHistory } from "./support/history.js";

/**
 * What each server can do is asked of the server: WAITAOF is accepted where the server has it (Redis 8, Valkey) and
 * refused on Redis 7.0 with a message naming engine, version and the missing command; Valkey runs as a Redis-style
 * cluster and takes writes on every shard.
 */
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-caps-"));
const quiet = new Progress({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);
afterAll(() => rmSync(resultsRoot, { recursive: true, force: true }));

function options(db: DbName, image: string, extra: Partial<RunOptions>): RunOptions {
  return {
    db,
    image,
    workload: "set",
    concurrency: "4",
    timeLimit: "2",
    recoveryTime: "0",
    opTimeout: "1000",
    nemesis: "none",
    nemesisInterval: "10",
    nemesisMode: "sequential",
    results: resultsRoot,
    seed: "7",
    dataSize: "64m",
    ...extra,
  };
}

/** The run id a run directory under the results root belongs to, from its test.json. */
function runIdOf(dirName: string): string {
  return (JSON.parse(readFileSync(join(resultsRoot, dirName, "test.json"), "utf8")) as { runId: string }).runId;
}

// Replicated with AOF fsynced on every write: WAITAOF 1 1 can then be met at once whenever the replica is up.
const WAITAOF: Partial<RunOptions> = {
  topology: "replicated",
  replicas: "1",
  appendonly: "yes",
  appendfsync: "always",
  waitaof: ["1", "1"],
};

for (const target of [
  { db: "redis" as const, version: "8.0", label: "Redis 8.0" },
  { db: "valkey" as const, label: "Valkey" },
]) {
  const env = await e2eEnvironment({ db: target.db, ...(target.version ? { version: target.version } : {}) });
  describeE2e(`WAITAOF on ${target.label}`, env, () => {
    it("is accepted: writes are acknowledged after WAITAOF 1 1", async () => {
      const out = await runPlan(planFromOptions(options(target.db, env.image!, WAITAOF)), { progress: quiet });
      const ops = readRunHistory(out.dir.path);
      const acked = ops.filter((o) => o.type === "ok" && o.f === "add").length;
      expect(acked).toBeGreaterThan(20);
      const test = JSON.parse(readFileSync(out.dir.testPath, "utf8")) as {
        runId: string;
        cluster: { capabilities: Record<string, Capabilities> };
      };
      expect(Object.values(test.cluster.capabilities).every((c) => c.commands.waitaof === true)).toBe(true);
      expect(out.valid).toBe(true);
      expect(await leftovers(test.runId)).toEqual({ containers: [], networks: [], volumes: [] });
    }, 90_000);
  });
}

const redis70 = await e2eEnvironment({ db: "redis", version: "7.0" });
describeE2e("WAITAOF on Redis 7.0", redis70, () => {
  it("is refused, naming the engine, its version and the missing command, and leaves nothing", async () => {
    const plan = planFromOptions(options("redis", redis70.image!, WAITAOF));
    const err = await runPlan(plan, { progress: quiet }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(
      /--waitaof needs the WAITAOF command, which redis 7\.0\.\d+ does not offer/,
    );
    for (const dir of readdirSync(resultsRoot).filter((d) => d.includes("-redis-replicated-"))) {
      expect(await leftovers(runIdOf(dir))).toEqual({ containers: [], networks: [], volumes: [] });
    }
  }, 90_000);
});

const valkey = await e2eEnvironment({ db: "valkey" });
describeE2e("Valkey cluster topology", valkey, () => {
  it("forms a 3-shard cluster of Valkey nodes that takes writes, valid without faults", async () => {
    const out = await runPlan(
      planFromOptions(
        options("valkey", valkey.image!, {
          topology: "cluster",
          workload: "register,set",
          concurrency: "6",
          timeLimit: "3",
        }),
      ),
      {
        progress: quiet,
      },
    );
    const test = JSON.parse(readFileSync(out.dir.testPath, "utf8")) as {
      runId: string;
      cluster: { capabilities: Record<string, Capabilities>; timings: Record<string, number> };
    };
    const caps = Object.values(test.cluster.capabilities);
    expect(caps.length).toBe(6);
    expect(caps.every((c) => c.engine === "valkey")).toBe(true);
    const ops = readRunHistory(out.dir.path);
    const okWrites = ops.filter((o) => o.type === "ok" && (o.f === "add" || o.f === "write"));
    expect(okWrites.length).toBeGreaterThan(100);
    // Writes landed on more than one shard primary: the cluster really is sharded.
    expect(new Set(okWrites.map((o) => o.node)).size).toBeGreaterThan(1);
    expect(out.valid).toBe(true);
    console.log(
      `Valkey ${caps[0]!.version} cluster: start ${test.cluster.timings.total} ms, ${okWrites.length} acknowledged writes`,
    );
    expect(await leftovers(test.runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 90_000);
});
