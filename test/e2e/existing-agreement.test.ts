import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { readRunHistoryJson } from "./support/history.js";
import {
  ipOf,
  localImage,
  Outside,
  type Splitbrain,
  splitbrain,
  until,
  verdict,
  withClient,
} from "./support/outside.js";

/**
 * The same plan, run twice: once on a server splitbrain starts itself, once on a server a plain `docker run` made
 * (reached by --endpoint, the fault done by a hook of docker commands). The verdicts must agree: both valid under a
 * pause, both losing acknowledged writes when a server without persistence is killed and started again. Then the
 * other commands on outside servers: an audit that sets a server-side axis by CONFIG SET (on Valkey) and puts the
 * originals back, its refusals, and a compare of two deployments whose hook aims at each one's own container.
 */

const redisEnv = await e2eEnvironment({ db: "redis" });
const redisImage =
  process.env.SPLITBRAIN_TEST_IMAGE ?? localImage("splitbrain-node:redis-7.0.15-bookworm") ?? redisEnv.image;
const valkeyEnv = await e2eEnvironment({ db: "valkey" });
const env = {
  ...redisEnv,
  ready: redisEnv.ready && valkeyEnv.ready && redisImage !== undefined,
  ...(redisEnv.ready && !valkeyEnv.ready ? { reason: valkeyEnv.reason } : {}),
};

const outside = new Outside(`sbx-agree-${process.pid}-${Date.now().toString(36)}`);
const work = mkdtempSync(join(tmpdir(), "splitbrain-e2e-agree-"));
const results = join(work, "results");

/** Short runs: 2 s of fault inside 6 s of workload. */
const PLAN = ["--workload", "register,set", "--time-limit", "6", "--recovery-time", "1", "--concurrency", "4"];
const FAULT_EVERY = ["--nemesis-interval", "2", "--seed", "7"];

function lostAcknowledged(dir: string): number {
  const r = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as {
    summary: { metrics: { lostAcknowledged: number } };
  };
  return r.summary.metrics.lostAcknowledged;
}

function managed(args: string[]): Promise<Splitbrain> {
  return splitbrain(["run", "--results", results, "--topology", "single", "--image", redisImage!, ...args, "--json"]);
}

/** The plan on an outside server, its fault a hook of these two commands. */
function existing(ip: string, hookStart: string, hookStop: string): Promise<Splitbrain> {
  return splitbrain([
    "run",
    "--results",
    results,
    "--endpoint",
    `redis://${ip}:6379`,
    ...PLAN,
    "--nemesis",
    "hook",
    ...FAULT_EVERY,
    "--hook-start",
    hookStart,
    "--hook-stop",
    hookStop,
    "--json",
  ]);
}

const NO_PERSISTENCE = ["--save", "", "--appendonly", "no"];
let redis: string;
let redisIp: string;
let valkey: string;
let valkeyIp: string;

describeE2e("existing deployments agree with managed runs of the same plan", env, () => {
  beforeAll(async () => {
    outside.createNetwork();
    redis = outside.run("redis", [redisImage!, "redis-server", "--protected-mode", "no", ...NO_PERSISTENCE]);
    // An ACL user without CONFIG SET beside the default user: the audit's refusal is asked of it.
    valkey = outside.run("valkey", [
      valkeyEnv.image!,
      "valkey-server",
      "--protected-mode",
      "no",
      "--save",
      "",
      "--user",
      "noconfig",
      "on",
      ">pw-noconfig",
      "~*",
      "&*",
      "+@all",
      "-config|set",
    ]);
    redisIp = ipOf(redis);
    valkeyIp = ipOf(valkey);
    for (const ip of [redisIp, valkeyIp])
      await until(`${ip} answers`, () =>
        withClient({ host: ip, port: 6379 }, async (r) => (await r.ping()) === "PONG"),
      );
  }, 60_000);

  afterAll(() => {
    outside.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it("a pause: SIGSTOP by splitbrain and docker pause by a hook are both valid", async () => {
    const [m, e] = [
      verdict(await managed([...PLAN, ...NO_PERSISTENCE, "--nemesis", "pause", ...FAULT_EVERY])),
      verdict(await existing(redisIp, `docker pause ${redis}`, `docker unpause ${redis}`)),
    ];
    expect(m.valid).toBe(true);
    expect(e.valid).toBe(true);
    expect(lostAcknowledged(m.runDir)).toBe(0);
    expect(lostAcknowledged(e.runDir)).toBe(0);
    const hooks = readRunHistoryJson(e.runDir).filter((o) => o.f === "start-hook" && o.type === "ok");
    expect(hooks.length).toBeGreaterThan(0);
  }, 120_000);

  it("a kill without persistence: SIGKILL and restart by splitbrain, docker kill and start by a hook, both lose acknowledged writes", async () => {
    const m = verdict(await managed([...PLAN, ...NO_PERSISTENCE, "--nemesis", "kill", ...FAULT_EVERY]));
    // Started again with the arguments it was made with: no persistence, so it comes back empty.
    const e = verdict(await existing(redisIp, `docker kill ${redis}`, `docker start ${redis}`));
    expect(m.valid).toBe(false);
    expect(e.valid).toBe(false);
    expect(lostAcknowledged(m.runDir)).toBeGreaterThan(0);
    expect(lostAcknowledged(e.runDir)).toBeGreaterThan(0);
  }, 120_000);

  it("audit on an outside Valkey: a server-side axis needs --allow-config, each cell sets it and the originals come back", async () => {
    const before = await withClient({ host: valkeyIp, port: 6379 }, async (r) => ({
      appendonly: (await r.call("CONFIG", "GET", "appendonly")) as string[],
      appendfsync: (await r.call("CONFIG", "GET", "appendfsync")) as string[],
    }));
    const axis = ["--matrix", "appendfsync=always,no", "--appendonly", "yes", "--repeat", "1"];
    const short = ["--workload", "set", "--time-limit", "4", "--recovery-time", "1", "--concurrency", "4"];
    const fault = ["--nemesis", "client-pause", "--nemesis-interval", "1"];
    const where = ["--endpoint", `redis://${valkeyIp}:6379`];

    const noConsent = await splitbrain(["audit", "--results", results, ...where, ...axis, ...short, ...fault]);
    expect(noConsent.code).toBe(3);
    expect(noConsent.stderr).toContain("--matrix appendfsync");
    expect(noConsent.stderr).toContain("--allow-config");
    const forbidden = await splitbrain([
      "audit",
      "--results",
      results,
      "--endpoint",
      `redis://noconfig:pw-noconfig@${valkeyIp}:6379`,
      "--allow-config",
      ...axis,
      ...short,
      ...fault,
    ]);
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toMatch(/refuses CONFIG SET appendonly: NOPERM/);
    const partition = await splitbrain(["audit", "--results", results, ...where, "--allow-config", ...axis, ...short]);
    expect(partition.code).toBe(3);
    expect(partition.stderr).toContain("default fault partitions the primary");

    const res = await splitbrain([
      "audit",
      "--results",
      results,
      ...where,
      "--allow-config",
      ...axis,
      ...short,
      ...fault,
    ]);
    if (res.code !== 0) throw new Error(`exit ${res.code}\n${res.stderr}\n${res.stdout}`);
    expect(res.stdout).toContain("valkey 8.1");
    const dir = /audit: (.*)\/audit\.html/.exec(res.stdout)![1]!;
    const audit = JSON.parse(readFileSync(join(dir, "audit.json"), "utf8")) as { runs?: unknown[] };
    expect(JSON.stringify(audit)).toContain("appendfsync=no");
    const runDirs = (JSON.stringify(audit).match(/\d{8}T\d{6}Z-valkey-single-[0-9a-f]+/g) ?? []).filter(
      (d, i, all) => all.indexOf(d) === i,
    );
    expect(runDirs).toHaveLength(2);
    const set = runDirs.map(
      (d) =>
        (
          JSON.parse(readFileSync(join(dir, d, "config.json"), "utf8")) as {
            set: Record<string, Record<string, string>>;
          }
        ).set[`${valkeyIp}:6379`]!,
    );
    expect(set.map((s) => s.appendfsync).sort()).toEqual(["always", "no"]);
    expect(set.every((s) => s.appendonly === "yes")).toBe(true);
    await withClient({ host: valkeyIp, port: 6379 }, async (r) => {
      expect(await r.call("CONFIG", "GET", "appendonly")).toEqual(before.appendonly);
      expect(await r.call("CONFIG", "GET", "appendfsync")).toEqual(before.appendfsync);
      expect(await r.dbsize()).toBe(0);
    });
  }, 150_000);

  it("compare of two outside deployments: each hook aims at its own container through SPLITBRAIN_TARGET", async () => {
    const res = await splitbrain([
      "compare",
      "--results",
      results,
      "--endpoint",
      `${redis}=redis://${redisIp}:6379`,
      "--endpoint",
      `${valkey}=redis://${valkeyIp}:6379`,
      ...PLAN,
      "--nemesis",
      "hook",
      ...FAULT_EVERY,
      "--hook-start",
      'docker pause "$SPLITBRAIN_TARGET"',
      "--hook-stop",
      'docker unpause "$SPLITBRAIN_TARGET"',
    ]);
    if (res.code !== 0) throw new Error(`exit ${res.code}\n${res.stderr}\n${res.stdout}`);
    expect(res.stdout).toMatch(/redis 7\.\d+\.\d+|redis \d/);
    expect(res.stdout).toContain("valkey 8.1");
    const dir = /comparison: (.*)\/compare\.html/.exec(res.stdout)![1]!;
    const text = readFileSync(join(dir, "compare.json"), "utf8");
    for (const [engine, container] of [
      ["redis", redis],
      ["valkey", valkey],
    ] as const) {
      const run = new RegExp(`\\d{8}T\\d{6}Z-${engine}-single-[0-9a-f]+`).exec(text)![0];
      const starts = readRunHistoryJson(join(dir, run)).filter((o) => o.f === "start-hook" && o.type === "ok");
      expect(starts.length).toBeGreaterThan(0);
      // docker pause prints the name it paused: this run's own container, not the other's.
      for (const s of starts) expect(s.value.stdout).toBe(container);
    }
  }, 150_000);
});
