import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setChecker } from "../../src/checker/set.js";
import { connectClient, whenReady } from "../../src/client/connect.js";
import type { Durability } from "../../src/client/durability.js";
import { Session } from "../../src/client/session.js";
import { clusterSpecFromOptions } from "../../src/cluster/options.js";
import { type RunningCluster, startCluster } from "../../src/cluster/start.js";
import type { Node } from "../../src/core/cluster.js";
import type { History, Op } from "../../src/history/op.js";
import { perform } from "../../src/runner/perform.js";
import { createWorkload } from "../../workloads/index.js";
import type { RedisClient } from "../../workloads/workload.js";

/**
 * The honest client against real Redis (one primary, one replica): refusals are `fail`, timeouts `info`, WAIT
 * decides ok vs info, and a FLUSHALL makes the set checker name exactly the acknowledged elements it destroyed.
 * Needs a node image with redis-server: set SPLITBRAIN_TEST_IMAGE to its reference.
 */
const image = process.env.SPLITBRAIN_TEST_IMAGE;
const runId = `e2e-client-${process.pid}-${Date.now().toString(36)}`;
const OP_TIMEOUT = 500;

let cluster: RunningCluster;
let resultsDir = "";
const clients: RedisClient[] = [];

async function clientFor(node: Node): Promise<RedisClient> {
  const c = connectClient(
    { kind: "single", host: node.ip, port: node.port, node: node.name },
    { opTimeoutMs: OP_TIMEOUT },
  );
  clients.push(c);
  await whenReady(c, 10_000);
  return c;
}

function session(c: RedisClient, durability: Durability = { kind: "primary" }): Session {
  return new Session(c, { opTimeoutMs: OP_TIMEOUT, durability });
}

/** Records ops the way the runner does, in line order. */
class Recorder {
  readonly history: History = [];
  private nextProcess = 0;
  async run(
    s: Session,
    workload: ReturnType<typeof createWorkload>,
    inv: { f: string; key?: string | number; value?: unknown },
  ) {
    const process = this.nextProcess++;
    this.history.push({ index: this.history.length, process, type: "invoke", ...inv } as Op);
    const o = await perform(s, workload, inv, 5_000);
    this.history.push({
      index: this.history.length,
      process,
      type: o.type,
      f: inv.f,
      key: inv.key,
      value: o.value ?? inv.value,
      error: o.error,
    } as Op);
    return o;
  }
}

describe.skipIf(image === undefined)("honest client against real Redis (replicated, 2 nodes)", () => {
  let primary: Node;
  let replica: Node;

  beforeAll(async () => {
    resultsDir = mkdtempSync(join(tmpdir(), "splitbrain-e2e-client-"));
    const spec = clusterSpecFromOptions({ db: "redis", topology: "replicated", replicas: "1", dataSize: "64m" });
    cluster = await startCluster(spec, { runId, resultsDir, image: image as string });
    primary = (await cluster.primary()) as Node;
    replica = cluster.nodes.find((n) => n !== primary) as Node;
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    if (cluster !== undefined) {
      await primary?.signalDb("SIGCONT").catch(() => undefined);
      await cluster.teardown();
    }
    rmSync(resultsDir, { recursive: true, force: true });
  }, 120_000);

  it("a write to the replica is refused with READONLY: fail, on that node", async () => {
    const w = createWorkload("register");
    const o = await perform(session(await clientFor(replica)), w, { f: "write", key: "register:{0}", value: 1 }, 5_000);
    expect(o).toMatchObject({
      type: "fail",
      error: expect.stringMatching(/^READONLY/),
      node: `${replica.ip}:${replica.port}`,
    });
  });

  it("WAIT reaching the replica is ok; WAIT for more replicas than exist is info", async () => {
    const w = createWorkload("register");
    const c = await clientFor(primary);
    expect(
      (
        await perform(
          session(c, { kind: "wait", replicas: 1, timeoutMs: 2_000 }),
          w,
          { f: "write", key: "register:{1}", value: 1 },
          5_000,
        )
      ).type,
    ).toBe("ok");
    const short = await perform(
      session(c, { kind: "wait", replicas: 2, timeoutMs: 200 }),
      w,
      { f: "write", key: "register:{1}", value: 2 },
      5_000,
    );
    expect(short).toMatchObject({ type: "info", error: expect.stringMatching(/WAIT reached 1 of 2/) });
  });

  it("an op against a paused primary times out: info, never fail", async () => {
    const w = createWorkload("register");
    const c = await clientFor(primary);
    await primary.signalDb("SIGSTOP");
    try {
      const o = await perform(session(c), w, { f: "write", key: "register:{2}", value: 1 }, 5_000);
      expect(o).toMatchObject({ type: "info", error: "Command timed out" });
    } finally {
      await primary.signalDb("SIGCONT");
    }
  });

  it("FLUSHALL on the primary: the set checker reports exactly the acknowledged elements as lost", async () => {
    const w = createWorkload("set");
    const c = await clientFor(primary);
    const s = session(c);
    const rec = new Recorder();
    const acked: string[] = [];
    for (let e = 0; e < 20; e++) {
      const o = await rec.run(s, w, { f: "add", key: "set:{0}", value: e });
      if (o.type === "ok") acked.push(String(e));
    }
    expect(acked).toHaveLength(20);
    // An add that times out (primary paused) is indeterminate: it will apply after the pause, but it must never be
    // reported lost, because no read ever saw it.
    await primary.signalDb("SIGSTOP");
    try {
      expect((await rec.run(s, w, { f: "add", key: "set:{0}", value: 50 })).type).toBe("info");
    } finally {
      await primary.signalDb("SIGCONT");
    }
    expect(await c.call("flushall")).toBe("OK");
    await rec.run(s, w, { f: "add", key: "set:{0}", value: 100 });
    const final = await rec.run(s, w, { f: "final-read", key: "set:{0}" });
    expect(final).toMatchObject({ type: "ok", value: [100] });
    const result = await setChecker.check(rec.history);
    expect(result.valid).toBe(false);
    expect(result.lost.map((l) => l.element).sort()).toEqual(acked.sort());
    expect(result.stable).toBe(1);
    expect(result.indeterminate).toBe(1);
  });
});
