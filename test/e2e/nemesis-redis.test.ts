import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { diskFillNemesis } from "../../nemeses/disk-fill.js";
import { killNemesis } from "../../nemeses/kill.js";
import { latencyNemesis } from "../../nemeses/latency.js";
import { memoryPressureNemesis } from "../../nemeses/memory-pressure.js";
import { partitionNemesis } from "../../nemeses/partition.js";
import { pauseNemesis } from "../../nemeses/pause.js";
import { clusterSpecFromOptions } from "../../src/cluster/options.js";
import { type RunningCluster, startCluster } from "../../src/cluster/start.js";
import type { Node } from "../../src/core/cluster.js";
import { SeededRng } from "../../src/core/rng.js";
import { leftovers } from "../../src/docker/cleanup.js";
import { BALLAST_NAME } from "../../src/nemesis/disk.js";
import { leftoverScript } from "../../src/nemesis/iptables.js";
import type { NemesisContext } from "../../src/nemesis/nemesis.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";

/**
 * Real Redis, one primary and two replicas, each fault driven directly (no runner) and seen taking effect and
 * healing. Uses the local Redis node image, or SPLITBRAIN_TEST_IMAGE when set.
 */
const env = await e2eEnvironment({ db: "redis" });
const runId = `e2e-nemesis-${process.pid}-${Date.now().toString(36)}`;

let cluster: RunningCluster;
let ctx: NemesisContext;
let resultsDir = "";
const clients: Redis[] = [];

/** Connected before use, so a command is sent (and can time out) rather than refused for want of a socket. */
async function client(node: Node, commandTimeout = 2000): Promise<Redis> {
  const c = new Redis({
    host: node.ip,
    port: node.port,
    commandTimeout,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    lazyConnect: true,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  c.on("error", () => undefined);
  clients.push(c);
  await c.connect();
  return c;
}

async function eventually<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

async function get(node: Node, key: string): Promise<string | null> {
  const c = await client(node, 1000);
  try {
    return await c.get(key);
  } finally {
    c.disconnect();
  }
}

describeE2e("nemeses against real Redis (replicated, 3 nodes)", env, () => {
  beforeAll(async () => {
    resultsDir = mkdtempSync(join(tmpdir(), "splitbrain-e2e-nemesis-"));
    const spec = clusterSpecFromOptions({
      db: "redis",
      topology: "replicated",
      replicas: "2",
      appendonly: "yes",
      dataSize: "64m",
    });
    cluster = await startCluster(spec, { runId, resultsDir, ...(env.image ? { image: env.image } : {}) });
    ctx = { cluster, rng: new SeededRng(1), log: () => undefined };
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    if (cluster !== undefined) {
      // Heal with every fault before teardown, then prove nothing of ours remains.
      for (const n of [partitionNemesis(), killNemesis(), pauseNemesis(), diskFillNemesis()]) await n.healAll(ctx);
      for (const node of cluster.allNodes) {
        expect((await node.exec(["sh", "-c", leftoverScript()])).stdout.trim()).toBe("");
        expect((await node.exec(["ls", "-a", node.dataDir])).stdout).not.toContain(BALLAST_NAME);
      }
      await cluster.teardown();
      expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
    }
    rmSync(resultsDir, { recursive: true, force: true });
  }, 120_000);

  it("partition isolate-primary stalls replication, the runner still reaches the primary, heal resumes it", async () => {
    const primary = (await cluster.primary()) as Node;
    const replica = cluster.nodes.find((n) => n !== primary) as Node;
    const partition = partitionNemesis({ grudge: "isolate-primary" });
    expect(await partition.unavailable?.(ctx)).toBeUndefined();
    const value = (await partition.start(ctx)) as { grudge: Record<string, string[]> };
    expect(value.grudge[primary.name]).toHaveLength(2);
    const w = await client(primary);
    expect(await w.set("during-partition", "1")).toBe("OK");
    await new Promise((r) => setTimeout(r, 1500));
    expect(await get(replica, "during-partition")).toBeNull();
    await partition.stop(ctx);
    expect(
      await eventually(
        "replication to resume",
        async () => ((await get(replica, "during-partition")) === "1" ? true : undefined),
        90_000,
      ),
    ).toBe(true);
    await partition.healAll(ctx);
    expect((await primary.exec(["sh", "-c", leftoverScript()])).stdout.trim()).toBe("");
  }, 120_000);

  it("a database restarted during a partition is still cut off: the rules live in the node, nothing is re-applied", async () => {
    const primary = (await cluster.primary()) as Node;
    const replica = cluster.nodes.find((n) => n !== primary) as Node;
    const partition = partitionNemesis({ grudge: { explicit: { [replica.name]: [primary.name] } } });
    const kill = killNemesis({ target: { nodes: [replica.name] } });
    await partition.start(ctx);
    const rulesBefore = (await replica.exec(["sh", "-c", leftoverScript()])).stdout.trim();
    expect(rulesBefore).toContain(primary.ip);
    await kill.start(ctx);
    await kill.stop(ctx);
    expect(
      await eventually("the replica to answer", async () =>
        (await (await client(replica, 1000)).ping()) === "PONG" ? true : undefined,
      ),
    ).toBe(true);
    // Same rules, untouched by the restart, and the restarted replica still cannot sync from the primary.
    expect((await replica.exec(["sh", "-c", leftoverScript()])).stdout.trim()).toBe(rulesBefore);
    const w = await client(primary);
    expect(await w.set("during-restart-partition", "1")).toBe("OK");
    await new Promise((r) => setTimeout(r, 1500));
    expect(await get(replica, "during-restart-partition")).toBeNull();
    await partition.healAll(ctx);
    expect(
      await eventually(
        "the replica to catch up",
        async () => ((await get(replica, "during-restart-partition")) === "1" ? true : undefined),
        90_000,
      ),
    ).toBe(true);
  }, 120_000);

  it("kill SIGKILLs a replica's database and stop restarts it", async () => {
    const victim = cluster.nodes[2] as Node;
    const kill = killNemesis({ target: { nodes: [victim.name] } });
    await kill.start(ctx);
    expect(await victim.dbRunning()).toBe(false);
    await expect(client(victim, 500).then((c) => c.ping())).rejects.toThrow();
    await kill.stop(ctx);
    expect(await victim.dbRunning()).toBe(true);
    expect(
      await eventually("PONG", async () => ((await (await client(victim, 1000)).ping()) === "PONG" ? true : undefined)),
    ).toBe(true);
  }, 60_000);

  it("pause freezes the primary (a command times out) and stop resumes it", async () => {
    const primary = (await cluster.primary()) as Node;
    const c = await client(primary, 500);
    const pause = pauseNemesis({ target: { nodes: [primary.name] } });
    await pause.start(ctx);
    await expect(c.ping()).rejects.toThrow(/timed out|timeout/i);
    await pause.stop(ctx);
    expect(await (await client(primary, 2000)).ping()).toBe("PONG");
  }, 60_000);

  it("disk-fill makes AOF writes fail with an error the client sees; heal removes the ballast and writes recover", async () => {
    const primary = (await cluster.primary()) as Node;
    expect(primary).toBeDefined();
    const fill = diskFillNemesis({ target: { nodes: [primary.name] }, diskFreeBytes: 0 });
    const value = (await fill.start(ctx)) as { filled: Array<{ freeBytes: number; ballastBytes: number }> };
    expect(value.filled[0]?.ballastBytes).toBeGreaterThan(0);
    expect(value.filled[0]?.freeBytes).toBeLessThan(64 * 1024);
    const c = await client(primary);
    const big = "x".repeat(256 * 1024);
    const error = await eventually("a write error", async () => {
      try {
        await c.set(`fill-${Date.now()}`, big);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    });
    expect(error).toMatch(/MISCONF|No space|AOF/i);
    await fill.healAll(ctx);
    expect((await primary.exec(["ls", "-a", primary.dataDir])).stdout).not.toContain(BALLAST_NAME);
    expect(
      await eventually("a write to succeed again", async () =>
        (await c.set("after-fill", "1")) === "OK" ? true : undefined,
      ),
    ).toBe(true);
  }, 90_000);

  it("memory-pressure with an evicting policy makes the primary evict, and heal restores maxmemory and policy", async () => {
    const primary = (await cluster.primary()) as Node;
    const c = await client(primary);
    const before = await c.config("GET", "maxmemory*");
    const pressure = memoryPressureNemesis({ target: { nodes: [primary.name] }, maxmemoryPolicy: "allkeys-lru" });
    await pressure.start(ctx);
    const evicted = await eventually("evictions", async () => {
      for (let i = 0; i < 50; i++) await c.set(`mem-${Date.now()}-${i}`, "y".repeat(4096));
      const stats = await c.info("stats");
      const n = Number(/evicted_keys:(\d+)/.exec(stats)?.[1] ?? 0);
      return n > 0 ? n : undefined;
    });
    expect(evicted).toBeGreaterThan(0);
    await pressure.healAll(ctx);
    expect(await c.config("GET", "maxmemory*")).toEqual(before);
  }, 60_000);

  it("latency is refused up front on a kernel without sch_netem, saying so", async () => {
    const reason = await latencyNemesis().unavailable?.(ctx);
    const probe = await cluster.nodes[0]!.exec([
      "sh",
      "-c",
      "tc qdisc add dev lo root netem delay 1ms && tc qdisc del dev lo root",
    ]);
    if (probe.exitCode === 0) expect(reason).toBeUndefined();
    else expect(reason).toMatch(/sch_netem/);
  }, 30_000);
});
