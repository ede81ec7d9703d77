import { describe, expect, it, vi } from "vitest";
import { diskFillNemesis } from "../../nemeses/disk-fill.js";
import { failoverNemesis } from "../../nemeses/failover.js";
import { killNemesis } from "../../nemeses/kill.js";
import { latencyNemesis, netemProblem } from "../../nemeses/latency.js";
import { configValue, infoField, memoryPressureNemesis } from "../../nemeses/memory-pressure.js";
import { lossRules, packetLossNemesis } from "../../nemeses/packet-loss.js";
import { partitionNemesis } from "../../nemeses/partition.js";
import { pauseNemesis } from "../../nemeses/pause.js";
import { restartNemesis } from "../../nemeses/restart.js";
import { snapshotStormNemesis } from "../../nemeses/snapshot-storm.js";
import { parseClusterNodes, replicasOf } from "../../src/nemesis/cluster-nodes.js";
import { availableBytesFromDf } from "../../src/nemesis/disk.js";
import { parseGrudgeSpec } from "../../src/nemesis/grudge.js";
import { replyError } from "../../src/nemesis/node-io.js";
import { FakeCluster, fakeContext } from "./nemesis-fakes.js";

describe("partition", () => {
  it("isolate-primary: the primary drops everyone, everyone drops the primary, clients untouched", async () => {
    const cluster = new FakeCluster("sentinel", 3, 1);
    cluster.primaryName = "n2";
    const ctx = fakeContext(cluster);
    const nemesis = partitionNemesis();
    const value = (await nemesis.start(ctx)) as { grudge: Record<string, string[]> };
    expect(value.grudge).toEqual({ n2: ["n1", "n3", "s1"], n1: ["n2"], n3: ["n2"], s1: ["n2"] });
    expect(cluster.node("n2").chains.get("SPLITBRAIN")).toEqual([
      "-s 172.18.0.2 -j DROP",
      "-s 172.18.0.4 -j DROP",
      "-s 172.18.0.100 -j DROP",
    ]);
    expect(cluster.node("n1").chains.get("SPLITBRAIN")).toEqual(["-s 172.18.0.3 -j DROP"]);
    // The gateway (the runner) appears in no rule.
    for (const n of [...cluster.nodes, ...cluster.sentinels]) {
      expect(n.calls.join("\n")).not.toContain("172.18.0.1 ");
      expect(n.calls).not.toContain("cat /proc/net/route");
    }
  });

  it("--partition-clients also cuts the runner's address from the isolated side only", async () => {
    const cluster = new FakeCluster("sentinel", 3);
    const ctx = fakeContext(cluster);
    const nemesis = partitionNemesis({ partitionClients: true });
    const value = (await nemesis.start(ctx)) as { cutFromClients: string[] };
    expect(value.cutFromClients).toEqual(["n1"]);
    // The runner is cut before the peers, so the old primary acknowledges nothing it can no longer replicate.
    expect(cluster.node("n1").chains.get("SPLITBRAIN")).toEqual([
      "-s 172.18.0.1 -j DROP",
      "-d 172.18.0.1 -j DROP",
      "-s 172.18.0.3 -j DROP",
      "-s 172.18.0.4 -j DROP",
    ]);
    expect(cluster.node("n2").chains.get("SPLITBRAIN")).toEqual(["-s 172.18.0.2 -j DROP"]);
  });

  it("stop flushes every node; healAll removes the chain everywhere, repeatedly, even if never started", async () => {
    const cluster = new FakeCluster("replicated", 3);
    const ctx = fakeContext(cluster);
    const nemesis = partitionNemesis({ grudge: "halves" });
    await nemesis.healAll(ctx);
    await nemesis.start(ctx);
    await nemesis.stop(ctx);
    for (const n of cluster.nodes) {
      expect(n.chains.get("SPLITBRAIN") ?? []).toEqual([]);
    }
    await nemesis.healAll(ctx);
    await nemesis.healAll(ctx);
    for (const n of cluster.nodes) {
      expect(n.chains.has("SPLITBRAIN")).toBe(false);
      expect(n.calls.filter((c) => c.includes("-X SPLITBRAIN"))).toHaveLength(3);
    }
  });

  it("without a primary it records that nothing was cut", async () => {
    const cluster = new FakeCluster("sentinel", 3);
    cluster.primaryName = undefined;
    const ctx = fakeContext(cluster);
    const value = (await partitionNemesis().start(ctx)) as { grudge: null; note: string };
    expect(value.grudge).toBeNull();
    expect(value.note).toMatch(/no primary/);
    for (const n of cluster.nodes) expect(n.calls).toEqual([]);
  });

  it("an explicit grudge is applied as written and checked against the nodes", async () => {
    const cluster = new FakeCluster("replicated", 3);
    const ctx = fakeContext(cluster);
    const nemesis = partitionNemesis({ grudge: parseGrudgeSpec("n1:n2") });
    expect(await nemesis.unavailable?.(ctx)).toBeUndefined();
    await nemesis.start(ctx);
    expect(cluster.node("n1").chains.get("SPLITBRAIN")).toEqual(["-s 172.18.0.3 -j DROP"]);
    expect(cluster.node("n2").chains.get("SPLITBRAIN") ?? []).toEqual([]);
    expect(cluster.primaryCalls).toBe(0);
    expect(await partitionNemesis({ grudge: parseGrudgeSpec("n1:n7") }).unavailable?.(ctx)).toMatch(/n7/);
  });

  it("reports missing iptables or NET_ADMIN up front, and a failed apply as an error naming the node", async () => {
    const cluster = new FakeCluster("replicated", 3);
    const ctx = fakeContext(cluster);
    cluster.node("n3").failOn = "iptables";
    expect(await partitionNemesis().unavailable?.(ctx)).toMatch(/NET_ADMIN.*n3/);
    await expect(partitionNemesis({ grudge: "one" }).start(ctx)).rejects.toThrow(/n3: applying the partition failed/);
    expect(await partitionNemesis().unavailable?.(fakeContext(new FakeCluster("single", 1)))).toMatch(/at least 2/);
  });
});

describe("kill and restart", () => {
  it("kill SIGKILLs the current primary and restarts it at stop", async () => {
    const cluster = new FakeCluster("sentinel", 3);
    cluster.primaryName = "n3";
    const ctx = fakeContext(cluster);
    const nemesis = killNemesis();
    expect(await nemesis.start(ctx)).toEqual({ nodes: ["n3"], signal: "SIGKILL" });
    expect(cluster.node("n3").proc).toBe("dead");
    expect(await nemesis.stop(ctx)).toEqual({ nodes: ["n3"] });
    expect(cluster.node("n3").calls).toEqual(["SIGKILL", "startDb"]);
    expect(cluster.node("n1").calls).toEqual([]);
  });

  it("healAll restarts any dead database, remembered or not, and is idempotent", async () => {
    const cluster = new FakeCluster("replicated", 3);
    const ctx = fakeContext(cluster);
    cluster.node("n2").proc = "dead";
    const nemesis = killNemesis({ target: "all" });
    await nemesis.healAll(ctx);
    await nemesis.healAll(ctx);
    expect(cluster.node("n2").calls).toEqual(["startDb"]);
    expect(cluster.node("n1").calls).toEqual([]);
  });

  it("a failed signal on one node still kills the others, and stop restarts them all", async () => {
    const cluster = new FakeCluster("replicated", 3);
    cluster.node("n2").proc = "dead";
    const ctx = fakeContext(cluster);
    const nemesis = killNemesis({ target: "all" });
    await expect(nemesis.start(ctx)).rejects.toThrow(/n2: no database process/);
    expect(cluster.nodes.map((n) => n.proc)).toEqual(["dead", "dead", "dead"]);
    await nemesis.stop(ctx);
    expect(cluster.nodes.map((n) => n.proc)).toEqual(["running", "running", "running"]);
  });

  it("restart sends SIGTERM, waits for the exit, and starts again", async () => {
    const cluster = new FakeCluster("replicated", 3);
    const ctx = fakeContext(cluster);
    const nemesis = restartNemesis({ target: { nodes: ["n2"] } });
    expect(await nemesis.start(ctx)).toEqual({ nodes: ["n2"], signal: "SIGTERM" });
    await nemesis.stop(ctx);
    expect(cluster.node("n2").calls).toEqual(["SIGTERM", "startDb"]);
  });

  it("with no primary, nothing is killed and the history says why", async () => {
    const cluster = new FakeCluster("sentinel", 3);
    cluster.primaryName = undefined;
    const value = (await killNemesis().start(fakeContext(cluster))) as { nodes: string[]; note: string };
    expect(value.nodes).toEqual([]);
    expect(value.note).toMatch(/no node matched/);
  });
});

describe("pause", () => {
  it("SIGSTOPs the targets and SIGCONTs them at stop", async () => {
    const cluster = new FakeCluster("replicated", 5);
    const ctx = fakeContext(cluster, 3);
    const nemesis = pauseNemesis({ target: "minority" });
    const value = (await nemesis.start(ctx)) as { nodes: string[] };
    expect(value.nodes).toHaveLength(2);
    for (const name of value.nodes) expect(cluster.node(name).proc).toBe("paused");
    await nemesis.stop(ctx);
    for (const n of cluster.nodes) expect(n.proc).toBe("running");
  });

  it("healAll resumes every living database and skips dead ones", async () => {
    const cluster = new FakeCluster("replicated", 3);
    cluster.node("n1").proc = "paused";
    cluster.node("n2").proc = "dead";
    await pauseNemesis().healAll(fakeContext(cluster));
    expect(cluster.node("n1").proc).toBe("running");
    expect(cluster.node("n2").calls).toEqual([]);
    expect(cluster.node("n3").calls).toEqual(["SIGCONT"]);
  });
});

describe("disk-fill", () => {
  it("leaves exactly --disk-free bytes and deletes the ballast on stop and heal", async () => {
    const cluster = new FakeCluster("single", 1);
    const ctx = fakeContext(cluster);
    const node = cluster.node("n1");
    node.diskFree = 8 * 1024 * 1024;
    const nemesis = diskFillNemesis({ diskFreeBytes: 4096 });
    const value = (await nemesis.start(ctx)) as { filled: Array<{ ballastBytes: number; freeBytes: number }> };
    expect(node.ballast).toBe(8 * 1024 * 1024 - 4096);
    expect(value.filled[0]).toEqual({ node: "n1", ballastBytes: 8 * 1024 * 1024 - 4096, freeBytes: 4096 });
    expect(node.calls.some((c) => c.includes("fallocate -l 8384512 '/data/.splitbrain-ballast'"))).toBe(true);
    await nemesis.stop(ctx);
    expect(node.ballast).toBe(0);
    node.ballast = 123;
    await nemesis.healAll(ctx);
    await nemesis.healAll(ctx);
    expect(node.ballast).toBe(0);
  });

  it("writes nothing when the disk already has less free than asked", async () => {
    const cluster = new FakeCluster("single", 1);
    cluster.node("n1").diskFree = 1024;
    const value = (await diskFillNemesis({ diskFreeBytes: 4096 }).start(fakeContext(cluster))) as {
      filled: Array<{ ballastBytes: number }>;
    };
    expect(value.filled[0]?.ballastBytes).toBe(0);
    expect(cluster.node("n1").calls.some((c) => c.includes("fallocate"))).toBe(false);
  });

  it("reads df's POSIX output and refuses garbage", () => {
    expect(
      availableBytesFromDf("Filesystem 1024-blocks Used Available Capacity Mounted on\ntmpfs 100 60 40 60% /data\n"),
    ).toBe(40_960);
    expect(() => availableBytesFromDf("df: /data: No such file")).toThrow(/free space/);
  });
});

describe("memory-pressure", () => {
  it("shrinks maxmemory to current use (+headroom), sets the policy, and restores both", async () => {
    const cluster = new FakeCluster("sentinel", 3);
    const ctx = fakeContext(cluster);
    const n1 = cluster.node("n1");
    n1.config.maxmemory = "500000000";
    const nemesis = memoryPressureNemesis({ memoryHeadroomBytes: 1000, maxmemoryPolicy: "allkeys-lru" });
    const value = (await nemesis.start(ctx)) as { squeezed: unknown[] };
    expect(value.squeezed).toEqual([{ node: "n1", usedBytes: 1_000_000, maxmemory: 1_001_000, policy: "allkeys-lru" }]);
    expect(n1.config).toEqual({ maxmemory: "1001000", "maxmemory-policy": "allkeys-lru" });
    await nemesis.start(ctx);
    await nemesis.stop(ctx);
    expect(n1.config).toEqual({ maxmemory: "500000000", "maxmemory-policy": "noeviction" });
    const after = n1.calls.length;
    await nemesis.healAll(ctx);
    expect(n1.calls.length).toBe(after);
  });

  it("an error reply (e.g. a server without the setting) fails the start with the reply", async () => {
    const cluster = new FakeCluster("single", 1);
    cluster
      .node("n1")
      .cliReplies.set(
        "CONFIG SET maxmemory 1000000",
        "ERR Unknown option or number of arguments for CONFIG SET - 'maxmemory'",
      );
    await expect(memoryPressureNemesis().start(fakeContext(cluster))).rejects.toThrow(
      /n1: CONFIG SET failed: ERR Unknown option/,
    );
  });

  it("parses CONFIG GET and INFO replies", () => {
    expect(configValue("maxmemory\n0\n", "maxmemory")).toBe("0");
    expect(() => configValue("", "maxmemory")).toThrow(/does not report/);
    expect(infoField("# Memory\r\nused_memory:42\r\n", "used_memory")).toBe("42");
    expect(replyError("OK")).toBeUndefined();
    expect(replyError("(error) MISCONF Errors writing")).toBe("MISCONF Errors writing");
  });
});

describe("packet-loss", () => {
  it("every packet on a link touching a target crosses exactly one lossy rule", () => {
    const ips = new Map([
      ["n1", "10.0.0.1"],
      ["n2", "10.0.0.2"],
      ["n3", "10.0.0.3"],
    ]);
    expect(lossRules("n1", ["n1", "n2"], ips, 0.1)).toEqual([
      { from: "10.0.0.2", probability: 0.1 },
      { from: "10.0.0.3", probability: 0.1 },
      { to: "10.0.0.3", probability: 0.1 },
    ]);
    expect(lossRules("n3", ["n1", "n2"], ips, 0.1)).toEqual([]);
  });

  it("applies to the targets only, heals by flushing, removes its own chain", async () => {
    const cluster = new FakeCluster("replicated", 3);
    const ctx = fakeContext(cluster);
    const nemesis = packetLossNemesis({ target: { nodes: ["n2"] }, lossProbability: 0.3 });
    expect(await nemesis.start(ctx)).toEqual({ nodes: ["n2"], probability: 0.3 });
    expect(cluster.node("n2").chains.get("SPLITBRAIN_LOSS")).toHaveLength(4);
    expect(cluster.node("n1").chains.has("SPLITBRAIN_LOSS")).toBe(false);
    await nemesis.stop(ctx);
    expect(cluster.node("n2").chains.get("SPLITBRAIN_LOSS")).toEqual([]);
    await nemesis.healAll(ctx);
    expect(cluster.node("n2").chains.has("SPLITBRAIN_LOSS")).toBe(false);
    expect(() => packetLossNemesis({ lossProbability: 1.5 })).toThrow(/packet loss/);
  });
});

describe("latency", () => {
  it("is refused with the reason where the kernel has no netem", async () => {
    const cluster = new FakeCluster("replicated", 3);
    expect(await latencyNemesis().unavailable?.(fakeContext(cluster))).toMatch(/no sch_netem/);
    cluster.node("n1").tcWorks = true;
    expect(await latencyNemesis().unavailable?.(fakeContext(cluster))).toBeUndefined();
  });

  it("explains each way the probe can fail", () => {
    expect(netemProblem(0, "")).toBeUndefined();
    expect(netemProblem(127, "sh: tc: not found")).toMatch(/iproute2/);
    expect(netemProblem(2, "Error: Specified qdisc kind is unknown.")).toMatch(/sch_netem/);
    expect(netemProblem(2, "RTNETLINK answers: Operation not permitted")).toMatch(/NET_ADMIN/);
  });

  it("adds netem on the targets and deletes it everywhere on stop", async () => {
    const cluster = new FakeCluster("replicated", 2);
    for (const n of cluster.nodes) n.tcWorks = true;
    const ctx = fakeContext(cluster);
    const nemesis = latencyNemesis({ target: "one", latencyMs: 50, latencyJitterMs: 5 });
    const value = (await nemesis.start(ctx)) as { nodes: string[] };
    const victim = cluster.node(value.nodes[0] as string);
    expect(victim.calls).toContain("tc qdisc replace dev eth0 root netem delay 50ms 5ms");
    await nemesis.stop(ctx);
    for (const n of cluster.nodes) expect(n.calls.at(-1)).toBe("tc qdisc del dev eth0 root 2>/dev/null || true");
  });
});

describe("failover", () => {
  it("sentinel: asks a Sentinel to fail over and reports the new primary", async () => {
    const cluster = new FakeCluster("sentinel", 3, 3);
    const ctx = fakeContext(cluster);
    const sentinelCalls = () => cluster.sentinels.flatMap((s) => s.calls);
    for (const s of cluster.sentinels) s.cliReplies.set("SENTINEL FAILOVER mymaster", "OK");
    cluster.onPrimaryAsked = () => {
      if (sentinelCalls().length > 0) cluster.primaryName = "n2";
    };
    const value = await failoverNemesis().start(ctx);
    expect(value).toMatchObject({ from: "n1", to: "n2" });
    expect(sentinelCalls()).toEqual(["cli:26379:SENTINEL FAILOVER mymaster"]);
  });

  it("sentinel: an error reply (no good replica) fails the start with that reply", async () => {
    const cluster = new FakeCluster("sentinel", 3, 1);
    cluster.node("s1").cliReplies.set("SENTINEL FAILOVER mymaster", "NOGOODSLAVE No suitable replica to promote");
    await expect(failoverNemesis().start(fakeContext(cluster))).rejects.toThrow(/NOGOODSLAVE/);
  });

  it("replicated: promotes a replica and repoints every other node to it", async () => {
    const cluster = new FakeCluster("replicated", 3);
    const ctx = fakeContext(cluster);
    const value = (await failoverNemesis().start(ctx)) as { from: string; to: string; repointed: string[] };
    expect(value.from).toBe("n1");
    expect(value.to).not.toBe("n1");
    const chosen = cluster.node(value.to);
    expect(chosen.role).toBe("master");
    for (const n of cluster.nodes.filter((x) => x !== chosen)) expect(n.replicaOf).toBe(`${chosen.ip}:6379`);
    expect(await failoverNemesis().stop(ctx)).toEqual({ note: "a failover is not undone" });
  });

  it("cluster: finds a healthy replica of a primary in CLUSTER NODES and sends it CLUSTER FAILOVER", async () => {
    const cluster = new FakeCluster("cluster", 3);
    const nodes = [
      "aaa 172.18.0.2:6379@16379 myself,master - 0 0 1 connected 0-16383",
      "bbb 172.18.0.3:6379@16379 slave aaa 0 0 1 connected",
      "ccc 172.18.0.4:6379@16379 slave,fail aaa 0 0 1 connected",
    ].join("\n");
    cluster.node("n1").cliReplies.set("CLUSTER NODES", nodes);
    cluster.node("n2").cliReplies.set("CLUSTER FAILOVER", "OK");
    cluster.node("n2").cliReplies.set("ROLE", "master\n0\n");
    const value = await failoverNemesis().start(fakeContext(cluster));
    expect(value).toEqual({ via: "CLUSTER FAILOVER on n2", from: "n1", to: "n2" });
    expect(cluster.node("n3").calls).toEqual([]);
  });

  it("parses CLUSTER NODES and refuses a single node", async () => {
    const entries = parseClusterNodes(
      "x 10.0.0.1:7000@17000,host myself,master - 0 0 1 connected 0-100\ny 10.0.0.2:7000@17000 replica x 0 0 1 connected\n",
    );
    expect(replicasOf(entries, "10.0.0.1", 7000).map((e) => e.id)).toEqual(["y"]);
    expect(replicasOf(entries, "10.0.0.9", 7000)).toEqual([]);
    expect(await failoverNemesis().unavailable?.(fakeContext(new FakeCluster("single", 1)))).toMatch(/topology/);
  });
});

describe("snapshot-storm", () => {
  it("issues BGSAVE then BGREWRITEAOF each round until stopped, bounded, and stops cleanly", async () => {
    const cluster = new FakeCluster("replicated", 2);
    const ctx = fakeContext(cluster);
    let ticks = 0;
    const wait = async () => {
      ticks++;
    };
    const nemesis = snapshotStormNemesis({ snapshotPeriodMs: 10, snapshotMaxRounds: 3 }, wait);
    await nemesis.start(ctx);
    await vi.waitFor(() => expect(ticks).toBe(6));
    const summary = (await nemesis.stop(ctx)) as { rounds: number; commands: number };
    expect(summary.rounds).toBe(3);
    expect(summary.commands).toBe(12);
    expect(cluster.node("n1").calls).toEqual([
      "cli:6379:BGSAVE",
      "cli:6379:BGREWRITEAOF",
      "cli:6379:BGSAVE",
      "cli:6379:BGREWRITEAOF",
      "cli:6379:BGSAVE",
      "cli:6379:BGREWRITEAOF",
    ]);
    expect(ticks).toBe(6);
    expect(await nemesis.stop(ctx)).toEqual({ note: "no storm was running" });
  });

  it("keeps going through 'already in progress' and records real errors; healAll ends the loop", async () => {
    const cluster = new FakeCluster("single", 1);
    cluster.node("n1").cliReplies.set("BGSAVE", "ERR Background save already in progress");
    cluster
      .node("n1")
      .cliReplies.set("BGREWRITEAOF", "MISCONF Errors writing to the AOF file: No space left on device");
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const nemesis = snapshotStormNemesis({ snapshotPeriodMs: 0, snapshotMaxRounds: 1000 }, () => gate);
    await nemesis.start(fakeContext(cluster));
    const healed = nemesis.healAll(fakeContext(cluster));
    release();
    await healed;
    const calls = cluster.node("n1").calls.length;
    await new Promise((r) => setTimeout(r, 10));
    expect(cluster.node("n1").calls.length).toBe(calls);
    expect(calls).toBeLessThanOrEqual(2);
  });
});
