import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { adminCall } from "../../src/client/admin.js";
import { connectClient, dialAddress, whenReady } from "../../src/client/connect.js";
import { probeTcp } from "../../src/client/probe.js";
import { clusterSpecFromOptions } from "../../src/cluster/options.js";
import type { ClientReach } from "../../src/cluster/start.js";
import { startCluster } from "../../src/cluster/start.js";
import { cleanRun, leftovers } from "../../src/docker/cleanup.js";
import { newRunId } from "../../src/docker/labels.js";
import type { Op } from "../../src/history/op.js";
import { runnerAddress, shell } from "../../src/nemesis/node-io.js";
import type { TestRecord } from "../../src/runner/checkRun.js";
import { planFromOptions, type RunOptions } from "../../src/runner/plan.js";
import { Progress } from "../../src/runner/progress.js";
import { runPlan } from "../../src/runner/run.js";
import { MASTER_NAME, SENTINEL_PORT } from "../../src/topology/layout.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { readRunHistory } from "./support/history.js";

/**
 * Client modes end to end on this machine, where the runner reaches container addresses: sentinel and cluster runs
 * with a partition that also cuts the runner (--partition-clients), once with clients on container addresses and
 * once through ports published on loopback. Both must be checked with the same verdict, record ops by node name,
 * cut the runner in both, and leave no published port behind. `auto` must pick direct here, and published when
 * the probe cannot reach the node (an iptables rule inside the node drops the runner's packets for the probe only).
 */
const env = await e2eEnvironment({ db: "redis" });
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-client-mode-"));
const quiet = new Progress({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);
const runIds: string[] = [];

type Record_ = TestRecord & { cluster: { client: ClientReach; nodes: Array<{ name: string; ip: string }> } };

function options(extra: Partial<RunOptions>): RunOptions {
  return {
    workload: "set",
    concurrency: "4",
    rate: "100",
    timeLimit: "8",
    recoveryTime: "1",
    opTimeout: "500",
    waitTimeout: "1000",
    nemesis: "partition",
    partition: "isolate-primary",
    partitionClients: true,
    nemesisInterval: "3",
    nemesisMode: "sequential",
    results: resultsRoot,
    seed: "11",
    dataSize: "64m",
    ...(env.image ? { image: env.image } : {}),
    ...extra,
  };
}

interface Ran {
  test: Record_;
  ops: Op[];
  valid: unknown;
  checked: number;
}

async function run(extra: Partial<RunOptions>): Promise<Ran> {
  const out = await runPlan(planFromOptions(options(extra)), { progress: quiet });
  const test = JSON.parse(readFileSync(join(out.dir.path, "test.json"), "utf8")) as Record_;
  runIds.push(test.runId);
  const ops = readRunHistory(out.dir.path);
  return { test, ops, valid: out.valid, checked: out.results.checkers.length };
}

/** The partition's value (who was cut from the runner) and its active window in history time. */
function partitionWindow(ops: readonly Op[]): { cut: string[]; from: number; to: number } {
  const started = ops.find((o) => o.process === "nemesis" && o.f === "start-partition" && o.type === "ok");
  const stopping = ops.find((o) => o.process === "nemesis" && o.f === "stop-partition" && o.type === "invoke");
  expect(started, "the partition started").toBeDefined();
  const cut = (started!.value as { cutFromClients?: string[] }).cutFromClients ?? [];
  // Replies already on the wire when the rules went in may still arrive: allow them a moment.
  return { cut, from: started!.time! + 150e6, to: stopping?.time ?? Infinity };
}

/** What both modes must show: checked, nodes named, the runner cut from the isolated node, nothing left. */
async function expectSound(r: Ran): Promise<void> {
  expect(r.checked).toBeGreaterThan(0);
  const client = r.test.cluster.client;
  const names = r.test.cluster.nodes.map((n) => n.name);
  // Ops are attributed to nodes by name, in published mode too (the socket's peer is 127.0.0.1:<port> there).
  const attributed = r.ops.filter((o) => o.process !== "nemesis" && o.type === "ok" && o.node !== undefined);
  expect(attributed.length).toBeGreaterThan(0);
  for (const o of attributed) expect(names).toContain(o.node);
  // Every node reported what it sees of the runner; on this host that is the run network's gateway in both modes.
  expect(Object.keys(client.runnerSeenAs).sort()).toEqual([...names].sort());
  const w = partitionWindow(r.ops);
  expect(w.cut.length).toBeGreaterThan(0);
  const during = r.ops.filter(
    (o) => o.process !== "nemesis" && o.type !== "invoke" && o.time! > w.from && o.time! < w.to,
  );
  expect(during.filter((o) => o.type === "ok" && w.cut.includes(o.node ?? ""))).toEqual([]);
  const published = Object.values(client.published ?? {}).flatMap((ports) => Object.values(ports));
  for (const addr of published) {
    const i = addr.lastIndexOf(":");
    const p = await probeTcp(addr.slice(0, i), Number(addr.slice(i + 1)), 500);
    expect(p.reachable, `published ${addr} is gone`).toBe(false);
  }
  expect(await leftovers(r.test.runId)).toEqual({ containers: [], networks: [], volumes: [] });
}

describeE2e("client modes (direct and published) under partitions that cut the runner", env, () => {
  afterAll(async () => {
    for (const id of runIds) await cleanRun(id).catch(() => undefined);
  });

  it("sentinel: auto picks direct here; published gives the same verdict and cuts the runner too", async () => {
    // No failover within the 3 s partition (down-after 10 s), so the verdict does not hang on timing: with the
    // runner cut from the isolated primary, nothing it acknowledges can be lost, in either mode. Following a
    // failover through translated addresses is tested below, by command.
    const auto = await run({ topology: "sentinel", clientMode: "auto", downAfterMs: "10000" });
    expect(auto.test.plan.clientMode).toBe("auto");
    expect(auto.test.cluster.client.mode).toBe("direct");
    expect(auto.test.cluster.client.probe?.reachable).toBe(true);
    await expectSound(auto);

    const published = await run({ topology: "sentinel", clientMode: "published", downAfterMs: "10000" });
    const client = published.test.cluster.client;
    expect(client.mode).toBe("published");
    // Every node's ports (database, Sentinel) were published on loopback.
    for (const n of published.test.cluster.nodes) {
      const ports = Object.values(client.published?.[n.name] ?? {});
      expect(ports.length, `${n.name} has published ports`).toBeGreaterThan(0);
      for (const a of ports) expect(a).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    await expectSound(published);
    expect(auto.valid).toBe(true);
    expect(published.valid).toBe(true);
  }, 150_000);

  it("cluster: direct and published runs give the same verdict", async () => {
    const direct = await run({ topology: "cluster", clientMode: "direct", replicas: "1", clusterNodeTimeout: "10000" });
    expect(direct.test.cluster.client.mode).toBe("direct");
    expect(direct.test.cluster.client.published).toBeUndefined();
    await expectSound(direct);
    const published = await run({
      topology: "cluster",
      clientMode: "published",
      replicas: "1",
      clusterNodeTimeout: "10000",
    });
    expect(published.test.cluster.client.mode).toBe("published");
    await expectSound(published);
    expect(direct.valid).toBe(true);
    expect(published.valid).toBe(true);
  }, 150_000);

  it("auto picks published when the probe cannot reach the node; clients follow a Sentinel failover through it", async () => {
    const runId = newRunId();
    runIds.push(runId);
    const spec = clusterSpecFromOptions({
      topology: "sentinel",
      dataSize: "64m",
      ...(env.image ? { image: env.image } : {}),
    });
    let rule = "";
    const cluster = await startCluster(spec, {
      runId,
      resultsDir: mkdtempSync(join(resultsRoot, "auto-")),
      clientMode: "auto",
      aroundReachProbe: async (node) => {
        // The runner's packets to the node's container address are dropped inside the node, as if the bridge
        // were in a VM; published ports reach the node from the same gateway, so the rule lasts for the probe only.
        rule = `-s ${await runnerAddress(node)} -d ${node.ip} -p tcp --dport ${node.port} -j DROP`;
        await shell(node, `iptables -w -I INPUT ${rule}`, "dropping the runner for the probe");
        return async () => void (await shell(node, `iptables -w -D INPUT ${rule}`, "undoing the probe's rule"));
      },
    });
    let published: string[] = [];
    const n1 = cluster.nodes[0]!;
    try {
      expect(rule).not.toBe("");
      expect(cluster.reach.asked).toBe("auto");
      expect(cluster.reach.mode).toBe("published");
      expect(cluster.reach.probe).toMatchObject({ target: `${n1.ip}:${n1.port}`, reachable: false });
      published = Object.values(cluster.endpoints.addressMap!).map((a) => `${a.host}:${a.port}`);
      expect(dialAddress(n1.ip, n1.port).host).toBe("127.0.0.1");
      const client = connectClient(cluster.endpoints, { opTimeoutMs: 1000 });
      const servedBy = () => {
        const stream = (client as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
        return cluster.nodeByAddress(stream?.remoteAddress ?? "", stream?.remotePort ?? 0)?.name;
      };
      try {
        await whenReady(client, 5000);
        await client.set("k", "before");
        expect(servedBy()).toBe("n1");
        // Sentinel announces the new primary by container address; the client must dial its published port.
        await adminCall(cluster.sentinels[0]!.ip, SENTINEL_PORT, ["SENTINEL", "FAILOVER", MASTER_NAME]);
        const deadline = Date.now() + 30_000;
        let moved: string | undefined;
        while (Date.now() < deadline && moved === undefined) {
          const ok = await client.set("k", "after").then(
            () => true,
            () => false,
          );
          if (ok && servedBy() !== "n1") moved = servedBy();
          else await new Promise((r) => setTimeout(r, 200));
        }
        expect(moved, "writes reached the new primary").toMatch(/^n[23]$/);
        expect((client as unknown as { stream: { remoteAddress: string } }).stream.remoteAddress).toBe("127.0.0.1");
        expect((await cluster.primary())?.name).toBe(moved);
      } finally {
        client.disconnect();
      }
    } finally {
      await cluster.teardown();
    }
    // The routes went with the run, and so did the ports.
    expect(dialAddress(n1.ip, n1.port).host).toBe(n1.ip);
    for (const addr of published) {
      const i = addr.lastIndexOf(":");
      expect((await probeTcp(addr.slice(0, i), Number(addr.slice(i + 1)), 500)).reachable).toBe(false);
    }
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 90_000);

  it("published cluster: after CLUSTER FAILOVER the slot map (container addresses) is translated to the new primary", async () => {
    const runId = newRunId();
    runIds.push(runId);
    const spec = clusterSpecFromOptions({
      topology: "cluster",
      replicas: "1",
      dataSize: "64m",
      ...(env.image ? { image: env.image } : {}),
    });
    const cluster = await startCluster(spec, {
      runId,
      resultsDir: mkdtempSync(join(resultsRoot, "cluster-")),
      clientMode: "published",
    });
    try {
      expect(cluster.reach.mode).toBe("published");
      const map = cluster.endpoints.addressMap!;
      const portOf = (name: string) => {
        const n = cluster.nodes.find((x) => x.name === name)!;
        return map[`${n.ip}:${n.port}`]!.port;
      };
      // The replica following n1, as it says itself.
      const n1 = cluster.nodes[0]!;
      let replica: string | undefined;
      for (const n of cluster.nodes.slice(3)) {
        const role = (await adminCall(n.ip, n.port, ["ROLE"])) as unknown[];
        if (role[1] === n1.ip) replica = n.name;
      }
      expect(replica).toBeDefined();
      const client = connectClient(cluster.endpoints, { opTimeoutMs: 1000 });
      try {
        await whenReady(client, 5000);
        const masters = () =>
          (client as unknown as { nodes(role: string): Array<{ options: { host: string; port: number } }> })
            .nodes("master")
            .map((n) => n.options.port);
        expect(masters()).toContain(portOf("n1"));
        const r = cluster.nodes.find((n) => n.name === replica)!;
        await adminCall(r.ip, r.port, ["CLUSTER", "FAILOVER"]);
        // A key in n1's slots (0-5460): writes must end up on the promoted replica's published port.
        let key = "";
        for (let i = 0; key === "" && i < 1000; i++)
          if (Number(await client.cluster("KEYSLOT", `k${i}`)) <= 5460) key = `k${i}`;
        const deadline = Date.now() + 30_000;
        let ok = false;
        while (Date.now() < deadline && !ok) {
          ok =
            (await client.set(key, "v").then(
              () => true,
              () => false,
            )) &&
            masters().includes(portOf(replica!)) &&
            !masters().includes(portOf("n1"));
          if (!ok) await new Promise((res) => setTimeout(res, 200));
        }
        expect(ok, `writes to ${key} reached ${replica} through its published port`).toBe(true);
        for (const p of masters()) expect(Object.values(map).map((a) => a.port)).toContain(p);
      } finally {
        client.disconnect();
      }
    } finally {
      await cluster.teardown();
    }
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 90_000);
});
