import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { readRunHistoryJson } from "./support/history.js";
import { localImage, Outside, sh, splitbrain, until, withClient } from "./support/outside.js";

/**
 * A network cut made by the user's own hook, the way issue 21 names it: `docker network disconnect` of an outside
 * server started with plain `docker run`, and `docker network connect` back at the same address (so the network is
 * made with a subnet of the test's choosing: Docker gives a fixed address only there). While the server is cut off
 * the clients' ops must come back as `fail` or `info`, never as acknowledged; after it the run goes on, and nothing
 * acknowledged may be missing from the final reads: a standalone server loses nothing to a cut.
 */

const redisEnv = await e2eEnvironment({ db: "redis" });
const image =
  process.env.SPLITBRAIN_TEST_IMAGE ?? localImage("splitbrain-node:redis-7.0.15-bookworm") ?? redisEnv.image;
const env = { ...redisEnv, ready: redisEnv.ready && image !== undefined };

const outside = new Outside(`sbx-netcut-${process.pid}-${Date.now().toString(36)}`);
const work = mkdtempSync(join(tmpdir(), "splitbrain-e2e-netcut-"));
const results = join(work, "results");
const PLANTED = "user:planted";
let server: string;
let ip: string;

/** A /24 that no network here uses yet: tried at random among 10.213.0.0/16, as `docker network create` refuses overlaps. */
function createNetworkWithSubnet(): string {
  let last = "";
  for (let i = 0; i < 8; i++) {
    const third = 1 + Math.floor(Math.random() * 250);
    try {
      sh("docker", ["network", "create", "--subnet", `10.213.${third}.0/24`, outside.network]);
      return `10.213.${third}.50`;
    } catch (err) {
      last = String(err);
    }
  }
  throw new Error(`no free subnet for the test's network: ${last}`);
}

describeE2e("existing deployment: a network cut by the user's hook (docker network disconnect/connect)", env, () => {
  beforeAll(async () => {
    ip = createNetworkWithSubnet();
    server = outside.run("redis", ["--ip", ip, image!, "redis-server", "--protected-mode", "no", "--save", ""]);
    await until(`${ip} answers`, () => withClient({ host: ip, port: 6379 }, async (r) => (await r.ping()) === "PONG"));
    await withClient({ host: ip, port: 6379 }, (r) => r.set(PLANTED, "keep me"));
  }, 60_000);

  afterAll(() => {
    outside.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it("the cut shows in the history as hook ops, ops during it are fail/info, the run is valid and leaves no key of its own", async () => {
    const res = await splitbrain([
      "run",
      "--results",
      results,
      "--endpoint",
      `redis://${ip}:6379`,
      "--workload",
      "register,set",
      "--time-limit",
      "8",
      "--recovery-time",
      "1",
      "--concurrency",
      "4",
      "--op-timeout",
      "500",
      "--nemesis",
      "hook",
      "--nemesis-interval",
      "2",
      "--seed",
      "11",
      "--hook-start",
      `docker network disconnect ${outside.network} ${server}`,
      "--hook-stop",
      `docker network connect --ip ${ip} ${outside.network} ${server}`,
      "--json",
    ]);
    if (![0, 1, 2].includes(res.code)) throw new Error(`exit ${res.code}\n${res.stderr}\n${res.stdout}`);
    const out = JSON.parse(res.stdout) as { valid: boolean | "unknown"; runDir: string };
    const history = readRunHistoryJson(out.runDir);
    const starts = history.filter((o) => o.f === "start-hook" && o.type === "ok");
    const stops = history.filter((o) => o.f === "stop-hook" && o.type === "ok");
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(stops.length).toBeGreaterThanOrEqual(1);
    // No client op invoked after the first cut was made (its start op's completion) and completed before it was
    // undone (its stop op's invocation) may be acknowledged: the server was unreachable, so an `ok` would be a lie.
    const cutFrom = starts[0]!.time as number;
    const cutTo = history.find((o) => o.f === "stop-hook" && o.type === "invoke" && (o.time as number) > cutFrom)!
      .time as number;
    const invokedAt = new Map<unknown, number>();
    const okInCut: unknown[] = [];
    for (const o of history) {
      if (o.process === "nemesis") continue;
      if (o.type === "invoke") invokedAt.set(o.process, o.time as number);
      else if (o.type === "ok" && (invokedAt.get(o.process) ?? 0) > cutFrom && (o.time as number) < cutTo)
        okInCut.push(o);
    }
    expect(okInCut).toEqual([]);
    expect(history.some((o) => o.process !== "nemesis" && (o.type === "fail" || o.type === "info"))).toBe(true);
    // After the cut the run went on: acknowledged ops after the last stop.
    const lastStop = stops[stops.length - 1]!.time as number;
    expect(history.some((o) => o.type === "ok" && o.process !== "nemesis" && (o.time as number) > lastStop)).toBe(true);
    expect(out.valid).toBe(true);
    const r = JSON.parse(readFileSync(join(out.runDir, "results.json"), "utf8")) as {
      summary: { metrics: { lostAcknowledged: number } };
    };
    expect(r.summary.metrics.lostAcknowledged).toBe(0);
    await withClient({ host: ip, port: 6379 }, async (c) => {
      expect(await c.get(PLANTED)).toBe("keep me");
      expect(await c.dbsize()).toBe(1);
    });
  }, 150_000);
});
