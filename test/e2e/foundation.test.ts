import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cleanRun, leftovers } from "../../src/docker/cleanup.js";
import { createNodeContainer, execDetached, execIn, type NodeContainer } from "../../src/docker/container.js";
import { newRunId } from "../../src/docker/labels.js";
import { createRunNetwork, type RunNetwork } from "../../src/docker/network.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";

/**
 * The foundation end to end: two node containers on a private network the tool created, Redis replicating from
 * one to the other, read and written from this host, then a one-way iptables partition that must stall
 * replication, a heal that must let it catch up, and a teardown that must leave nothing labelled behind.
 */
const env = await e2eEnvironment({ db: "redis" });

/** Our own chain, so healing is one flush and never touches rules we did not write. */
const CHAIN = "SPLITBRAIN_E2E";

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`,
  );
}

async function ok(node: NodeContainer, cmd: string[]): Promise<string> {
  const r = await execIn(node.id, cmd, { timeoutMs: 15_000 });
  if (r.exitCode !== 0)
    throw new Error(`${cmd.join(" ")} on ${node.name} exited ${r.exitCode}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function client(node: NodeContainer): Redis {
  const r = new Redis({
    host: node.ip,
    port: 6379,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: () => 200,
  });
  // Refused connections before the server is up are expected; waitFor reports the last one if it never comes up.
  r.on("error", () => undefined);
  return r;
}

describeE2e("foundation: two Redis nodes, replication, partition and heal", env, () => {
  const runId = newRunId();
  let network: RunNetwork;
  let n1: NodeContainer;
  let n2: NodeContainer;
  let c1: Redis;
  let c2: Redis;

  beforeAll(async () => {
    network = await createRunNetwork(runId);
    [n1, n2] = (await Promise.all(
      [1, 2].map((i) =>
        createNodeContainer({
          runId,
          name: `n${i}`,
          image: env.image!,
          ip: network.ipFor(i),
          network: network.name,
          tmpfsDataSize: "64m",
        }),
      ),
    )) as [NodeContainer, NodeContainer];
    for (const node of [n1, n2]) {
      await execDetached(node.id, [
        "sh",
        "-c",
        "exec redis-server --port 6379 --bind 0.0.0.0 --protected-mode no --dir /data --save '' --appendonly no " +
          "--daemonize no >>/data/redis.log 2>&1",
      ]);
    }
    c1 = client(n1);
    c2 = client(n2);
    await waitFor("both servers to answer PING", 15_000, async () =>
      (await c1.ping()) === "PONG" && (await c2.ping()) === "PONG" ? true : undefined,
    );
  });

  afterAll(async () => {
    c1?.disconnect();
    c2?.disconnect();
    const removed = await cleanRun(runId);
    // Only this run's resources: other test files may be running their own at the same time.
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(removed.containers.length).toBeGreaterThanOrEqual(2);
    expect(removed.networks).toEqual([network.name]);
  });

  it("puts the nodes on the run's private network, labelled and named as asked", async () => {
    expect(network.subnet).toMatch(/^10\.213\.\d+\.0\/24$/);
    expect((await ok(n1, ["hostname"])).trim()).toBe("n1");
    expect(await ok(n2, ["sh", "-c", "ip -4 -o addr show"])).toContain(network.ipFor(2));
    expect(await ok(n1, ["sh", "-c", "mount | grep ' /data '"])).toContain("tmpfs");
    const mine = await leftovers(runId);
    expect(mine.containers.sort()).toEqual([n1.containerName, n2.containerName].sort());
  });

  it("replicates n1 to n2 and serves reads and writes from the host", async () => {
    await c2.replicaof(network.ipFor(1), 6379);
    await waitFor("n2's replication link", 15_000, async () =>
      (await c2.info("replication")).includes("master_link_status:up") ? true : undefined,
    );
    await c1.set("greeting", "hello");
    expect(await c1.get("greeting")).toBe("hello");
    expect(await waitFor("the write on n2", 5_000, async () => (await c2.get("greeting")) ?? undefined)).toBe("hello");
    await expect(c2.set("x", "1")).rejects.toThrow(/READONLY/);
  });

  it("stalls replication while n2 drops n1's packets, and catches up after the heal", async () => {
    await ok(n2, ["iptables", "-N", CHAIN]);
    await ok(n2, ["iptables", "-A", CHAIN, "-s", network.ipFor(1), "-j", "DROP"]);
    await ok(n2, ["iptables", "-I", "INPUT", "-j", CHAIN]);

    await c1.set("during-partition", "written on n1");
    // The write is acknowledged on the primary but must not reach the replica for as long as the partition lasts.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await c2.get("during-partition")).toBeNull();
    expect(await c1.get("during-partition")).toBe("written on n1");
    const offsets = await c2.info("replication");
    expect(offsets).toContain("role:slave");

    await ok(n2, ["iptables", "-F", CHAIN]);
    expect(await ok(n2, ["iptables", "-S", CHAIN])).not.toContain("DROP");
    const started = Date.now();
    const caught = await waitFor(
      "n2 to catch up after the heal",
      30_000,
      async () => (await c2.get("during-partition")) ?? undefined,
    );
    expect(caught).toBe("written on n1");
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
