import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRunHistoryJson } from "./support/history.js";
import {
  ipOf,
  Outside,
  plainRedis,
  plant,
  redisOutside,
  type Splitbrain,
  splitbrain,
  until,
  untouched,
  verdict,
  withClient,
} from "./support/outside.js";

/**
 * Faults by command and marks against a deployment splitbrain did not start: a standalone Redis primary with one
 * replica, made here with plain `docker run` (DEBUG allowed on the primary, an ACL user that may not run DEBUG or
 * CONFIG), and a second primary with Redis's default enable-debug-command. Each run must end with a verdict, leave
 * the planted key alone and no key under its prefix; each refusal must exit 3 with the server's own reason.
 */
const { image, runnable } = await redisOutside();

const deployment = new Outside(`sbx-faults-${process.pid}-${Date.now().toString(36)}`);
const work = mkdtempSync(join(tmpdir(), "splitbrain-e2e-existing-faults-"));
const results = join(work, "results");
const LIMITED_PASSWORD = `pw-${Math.random().toString(36).slice(2)}-limited`;
let primaryIp = "";
let strictIp = "";

const RUN = ["run", "--results", results, "--workload", "register", "--recovery-time", "1", "--concurrency", "4"];

/** A run that ended with a verdict: its directory, test.json and history. */
function finished(res: Splitbrain) {
  const summary = verdict(res);
  expect([true, false, "unknown"]).toContain(summary.valid);
  const test = JSON.parse(readFileSync(join(summary.runDir, "test.json"), "utf8"));
  const ops = readRunHistoryJson(summary.runDir);
  expect(ops.filter((o) => o.process !== "nemesis" && o.type === "ok").length).toBeGreaterThan(10);
  return { dir: summary.runDir, test, ops };
}

const at = (ip: string) => ({ host: ip, port: 6379 });

/** A 7 s run on the primary with these faults. */
function onPrimary(args: string[]): Promise<Splitbrain> {
  return splitbrain([...RUN, "--endpoint", `redis://${primaryIp}:6379`, "--time-limit", "7", ...args, "--json"]);
}

/** A run refused before any write: exit 3 with the reason on stderr. */
async function refused(endpoint: string, nemesis: string[], why: string | RegExp): Promise<Splitbrain> {
  const res = await splitbrain([...RUN, "--endpoint", endpoint, "--time-limit", "3", "--nemesis", ...nemesis]);
  expect(res.code).toBe(3);
  if (typeof why === "string") expect(res.stderr).toContain(why);
  else expect(res.stderr).toMatch(why);
  return res;
}

describe.skipIf(!runnable)("faults by command on an existing standalone primary with a replica", () => {
  beforeAll(async () => {
    deployment.createNetwork();
    const server = (name: string, extra: string[]) => deployment.run(name, plainRedis(image!, extra));
    const primary = server("p", [
      "--enable-debug-command",
      "yes",
      "--user",
      "default",
      "on",
      "nopass",
      "~*",
      "&*",
      "+@all",
      "--user",
      "limited",
      "on",
      `>${LIMITED_PASSWORD}`,
      "~*",
      "&*",
      "+@all",
      "-debug",
      "-config",
    ]);
    primaryIp = ipOf(primary);
    server("r", ["--replicaof", primaryIp, "6379"]);
    // Redis's own default: DEBUG refused to every connection.
    strictIp = ipOf(server("strict", []));
    await until("replication", () =>
      withClient({ host: primaryIp, port: 6379 }, async (r) =>
        /slave0:.*state=online/.test(await r.info("replication")),
      ),
    );
    for (const ip of [primaryIp, strictIp]) await plant(at(ip));
  }, 60_000);

  afterAll(() => {
    deployment.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it("failover by FAILOVER: the endpoint becomes a replica (writes refused READONLY) and is failed back", async () => {
    const res = await onPrimary(["--nemesis", "failover", "--nemesis-interval", "2"]);
    const { test, ops } = finished(res);
    const starts = ops.filter((o) => o.f === "start-failover" && o.type === "ok");
    expect(starts.length).toBeGreaterThan(0);
    expect(String(starts[0].value.via)).toContain("FAILOVER on n1");
    expect(ops.some((o) => o.f === "stop-failover" && o.type === "ok" && /FAILOVER TO/.test(o.value?.via))).toBe(true);
    // Writes to the demoted endpoint are refused, an honest fail, never lost.
    expect(ops.some((o) => o.type === "fail" && /^READONLY/.test(o.error ?? ""))).toBe(true);
    const role = await withClient({ host: primaryIp, port: 6379 }, (r) => r.call("ROLE"));
    expect((role as unknown[])[0]).toBe("master");
    await untouched(at(primaryIp), test.cluster.existing.keyPrefix);
  }, 60_000);

  it("config and debug-sleep: settings flipped and restored, the server stalled", async () => {
    const before = await withClient({ host: primaryIp, port: 6379 }, (r) => r.config("GET", "appendfsync"));
    const res = await onPrimary([
      "--seed",
      "7",
      "--nemesis",
      "config,debug-sleep",
      "--config-set",
      "appendfsync=no,maxmemory-policy=allkeys-lru",
      "--debug-sleep",
      "1",
      "--nemesis-interval",
      "1.5",
    ]);
    const { test, ops } = finished(res);
    const flips = ops.filter((o) => o.f === "start-config" && o.type === "ok");
    expect(flips.length).toBeGreaterThan(0);
    expect(flips[0].value.changes).toContainEqual({
      node: "n1",
      setting: "appendfsync",
      original: (before as string[])[1],
      flipped: "no",
    });
    const changes = test.faults.config as Array<{
      setting: string;
      original: string;
      flipped: string;
      restoredAt?: string;
    }>;
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(c.restoredAt).toBeDefined();
    const stalls = ops.filter((o) => o.f === "start-debug-sleep" && o.type === "ok");
    expect(stalls.length).toBeGreaterThan(0);
    expect(stalls[0].value.answeredAfterMs).toBeGreaterThanOrEqual(900);
    await withClient({ host: primaryIp, port: 6379 }, async (r) => {
      expect(await r.config("GET", "appendfsync")).toEqual(before);
      expect(await r.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
    });
    await untouched(at(primaryIp), test.cluster.existing.keyPrefix);
  }, 60_000);

  it("refuses before any write, with the server's reason: DEBUG and CONFIG denied by ACL or by the server", async () => {
    const limited = `redis://limited:${LIMITED_PASSWORD}@${primaryIp}:6379`;
    const noDebug = await refused(limited, ["debug-sleep"], /refuses DEBUG: NOPERM/);
    const noConfig = await refused(
      limited,
      ["config", "--config-set", "appendfsync=no"],
      /refuses CONFIG GET appendfsync: NOPERM/,
    );
    const strict = await refused(
      `redis://${strictIp}:6379`,
      ["debug-sleep"],
      /refuses DEBUG: ERR DEBUG command not allowed/,
    );
    // No replica to hand the primary to.
    const lonely = await refused(`redis://${strictIp}:6379`, ["failover"], "no connected replica");
    for (const res of [noDebug, noConfig, strict, lonely])
      expect(res.stderr + res.stdout).not.toContain(LIMITED_PASSWORD);
    await untouched(at(primaryIp), "splitbrain:");
    await untouched(at(strictIp), "splitbrain:");
  }, 60_000);

  it("--nemesis none with a mark sent from a second process: the mark is in the history and the report", async () => {
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, "../../bin/splitbrain.js"),
        ...RUN,
        "--endpoint",
        `redis://${primaryIp}:6379`,
        "--time-limit",
        "6",
        "--nemesis",
        "none",
        "--json",
      ],
      { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      // As a person would: try until the run is recording (marks are refused, exit 3, before that).
      let marked: Splitbrain | undefined;
      await until(
        "the run to take a mark",
        async () => {
          marked = await splitbrain(["mark", "--results", results, "--json", "pressed", "the", "button"]);
          return marked.code === 0;
        },
        30_000,
      );
      const mark = JSON.parse(marked!.stdout) as { runDir: string; text: string };
      expect(mark.text).toBe("pressed the button");
      const code = await exited;
      const { dir, test, ops } = finished({ code, stdout, stderr });
      expect(dir).toBe(mark.runDir);
      const marks = ops.filter((o) => o.process === "nemesis" && o.f === "mark");
      expect(marks).toHaveLength(1);
      expect(marks[0].value.text).toBe("pressed the button");
      expect(test.marks).toHaveLength(1);
      expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("pressed the button");
      await untouched(at(primaryIp), test.cluster.existing.keyPrefix);
    } finally {
      clearTimeout(timer);
      child.kill("SIGKILL");
    }
  }, 60_000);
});
