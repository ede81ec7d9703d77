import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerAvailable } from "../../src/docker/engine.js";
import { findNodeImage } from "../../src/image/images.js";
import { readRunHistoryJson } from "./support/history.js";

/**
 * splitbrain against deployments it did not start: the test makes them itself with plain `docker run` (no
 * splitbrain labels, the node image used as a plain image) on a network it creates, then runs `splitbrain run`
 * with --endpoint / --sentinel / --cluster and a hook fault made of docker commands. Each run must end with a
 * verdict, record the hook's commands, leave the key planted before it alone, leave no key under its prefix, and
 * write no password anywhere in its run directory. Traffic goes only to the containers made here.
 */
/** A tag that exists here, else whatever node image the project finds; never pulled (`--pull never` below). */
function localImage(tag: string): string | undefined {
  try {
    execFileSync("docker", ["image", "inspect", tag], { stdio: "ignore" });
    return tag;
  } catch {
    return undefined;
  }
}
const image =
  process.env.SPLITBRAIN_TEST_IMAGE ??
  localImage("splitbrain-node:redis-7.0.15-bookworm") ??
  (await findNodeImage("redis").catch(() => undefined))?.ref;
const required = process.env.SPLITBRAIN_REQUIRE_DOCKER === "1";
const docker = await dockerAvailable();
let openssl = false;
try {
  execFileSync("openssl", ["version"], { stdio: "ignore" });
  openssl = true;
} catch {
  openssl = false;
}
if (required && (!docker.ok || !image)) {
  throw new Error(
    `SPLITBRAIN_REQUIRE_DOCKER=1 but ${!docker.ok ? `Docker is unreachable (${docker.error})` : "no Redis node image"}`,
  );
}
const runnable = docker.ok && image !== undefined;

const BIN = join(import.meta.dirname, "../../bin/splitbrain.js");
const NAME = `sbx-existing-${process.pid}-${Date.now().toString(36)}`;
const NETWORK = `${NAME}-net`;
const work = mkdtempSync(join(tmpdir(), "splitbrain-e2e-existing-"));
const resultsRoot = join(work, "results");
const created: string[] = [];

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

function run(name: string, args: string[]): string {
  const full = `${NAME}-${name}`;
  created.push(full);
  sh("docker", ["run", "-d", "--pull", "never", "--name", full, "--network", NETWORK, ...args]);
  return full;
}

function ipOf(container: string): string {
  return sh("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container]);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function withClient<T>(opts: RedisOptions, use: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...opts });
  r.on("error", () => undefined);
  try {
    await r.connect();
    return await use(r);
  } finally {
    r.disconnect();
  }
}

interface Splitbrain {
  code: number;
  stdout: string;
  stderr: string;
}

function splitbrain(args: string[], env: Record<string, string> = {}): Promise<Splitbrain> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, "run", "--results", resultsRoot, ...args],
      { env: { ...process.env, ...env, NO_COLOR: "1" }, timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Every file under a directory, read as text. */
function allText(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, entry);
    if (statSync(p).isFile()) out.push({ path: p, text: readFileSync(p, "latin1") });
  }
  return out;
}

interface RecordedTest {
  command: string[];
  cluster: {
    existing: {
      kind: string;
      tls: boolean;
      keyPrefix: string;
      passwordGiven: boolean;
      server: { engine: string };
      settingsNotReadable?: string[];
    };
  };
  faults: { hook: unknown[] };
}

/** What every run here must show: a verdict, the hook's ops, the run's record, no password anywhere. */
function checkRunDir(res: Splitbrain, secrets: string[]): { dir: string; test: RecordedTest } {
  if (![0, 1, 2].includes(res.code)) throw new Error(`exit ${res.code}\n${res.stderr}\n${res.stdout}`);
  // With --json, stdout is the summary alone (the people's lines go to stderr).
  const summary = JSON.parse(res.stdout) as { runDir: string; valid: unknown };
  const dir = summary.runDir;
  const test = JSON.parse(readFileSync(join(dir, "test.json"), "utf8")) as RecordedTest;
  expect(test.cluster.existing).toBeDefined();
  const ops = readRunHistoryJson(dir);
  const hookOps = ops.filter((o) => o.process === "nemesis" && /-hook$/.test(o.f));
  expect(hookOps.some((o) => o.f === "start-hook" && o.type === "ok" && o.value?.exitCode === 0)).toBe(true);
  expect(hookOps.some((o) => o.f === "stop-hook" && o.type === "ok")).toBe(true);
  expect(test.faults.hook.length).toBeGreaterThan(0);
  // Client ops happened and were checked.
  expect(ops.filter((o) => o.process !== "nemesis" && o.type === "ok").length).toBeGreaterThan(20);
  for (const { path, text } of allText(dir))
    for (const s of secrets) if (text.includes(s)) throw new Error(`${path} holds a password`);
  for (const s of secrets) expect(res.stdout + res.stderr).not.toContain(s);
  return { dir, test };
}

const RUN = ["--workload", "register,set", "--time-limit", "9", "--recovery-time", "2", "--concurrency", "6"];
const HOOK_EVERY = ["--nemesis", "hook", "--nemesis-interval", "3", "--json"];

describe.skipIf(!runnable)("existing deployments, started without splitbrain", () => {
  beforeAll(() => {
    sh("docker", ["network", "create", NETWORK]);
  });

  afterAll(() => {
    for (const c of created) {
      try {
        sh("docker", ["rm", "-f", "-v", c]);
      } catch {
        // Already gone.
      }
    }
    try {
      sh("docker", ["network", "rm", NETWORK]);
    } catch {
      // Never made.
    }
    rmSync(work, { recursive: true, force: true });
  });

  it.skipIf(!openssl)(
    "standalone with TLS and an ACL user: --endpoint rediss://, a pause hook, keys cleaned, password nowhere",
    async () => {
      const tls = join(work, "tls");
      sh("mkdir", ["-p", tls]);
      const o = (args: string[]) => sh("openssl", args);
      o(
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          join(tls, "ca.key"),
          "-out",
          join(tls, "ca.crt"),
        ].concat(["-days", "2", "-subj", "/CN=splitbrain-test-ca"]),
      );
      o(
        [
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          join(tls, "server.key"),
          "-out",
          join(tls, "server.csr"),
        ].concat(["-subj", "/CN=redis.test"]),
      );
      writeFileSync(join(tls, "ext.cnf"), "subjectAltName=DNS:redis.test\n");
      o(
        [
          "x509",
          "-req",
          "-in",
          join(tls, "server.csr"),
          "-CA",
          join(tls, "ca.crt"),
          "-CAkey",
          join(tls, "ca.key"),
        ].concat(["-CAcreateserial", "-out", join(tls, "server.crt"), "-days", "2", "-extfile", join(tls, "ext.cnf")]),
      );
      sh("chmod", ["-R", "a+rX", tls]);
      const password = `pw-${Math.random().toString(36).slice(2)}-tls`;
      const c = run("tls", [
        "-v",
        `${tls}:/tls:ro`,
        image!,
        "redis-server",
        "--port",
        "0",
        "--tls-port",
        "6379",
        "--tls-cert-file",
        "/tls/server.crt",
        "--tls-key-file",
        "/tls/server.key",
        "--tls-ca-cert-file",
        "/tls/ca.crt",
        "--tls-auth-clients",
        "no",
        "--save",
        "",
        // CONFIG is denied: the run must record what it could not read rather than fail.
        "--user",
        "tester",
        "on",
        `>${password}`,
        "~*",
        "&*",
        "+@all",
        "-config",
        "--user",
        "default",
        "off",
      ]);
      const ip = ipOf(c);
      const conn: RedisOptions = {
        host: ip,
        port: 6379,
        username: "tester",
        password,
        tls: { ca: readFileSync(join(tls, "ca.crt"), "utf8"), servername: "redis.test" },
      };
      await until("the TLS server", () => withClient(conn, async (r) => (await r.ping()) === "PONG"));
      await withClient(conn, (r) => r.set("planted:user-data", "keep me"));

      const res = await splitbrain([
        "--endpoint",
        `rediss://tester:${password}@${ip}:6379`,
        "--tls-ca",
        join(tls, "ca.crt"),
        "--tls-servername",
        "redis.test",
        ...RUN,
        ...HOOK_EVERY,
        "--hook-start",
        `docker pause ${c}`,
        "--hook-stop",
        `docker unpause ${c}`,
      ]);
      const { dir, test } = checkRunDir(res, [password]);
      expect(test.cluster.existing.tls).toBe(true);
      expect(test.cluster.existing.server.engine).toBe("redis");
      expect(test.cluster.existing.settingsNotReadable).toContain("appendonly");
      expect(test.command.join(" ")).toContain("tester:***@");
      const prefix = test.cluster.existing.keyPrefix as string;
      expect(prefix).toMatch(/^splitbrain:/);
      const cleanup = JSON.parse(readFileSync(join(dir, "cleanup.json"), "utf8"));
      expect(Object.values(cleanup.removed as Record<string, number>)[0]).toBeGreaterThan(0);
      await withClient(conn, async (r) => {
        expect(await r.get("planted:user-data")).toBe("keep me");
        const [, left] = await r.scan("0", "MATCH", `${prefix}*`, "COUNT", "100000");
        expect(left).toEqual([]);
        expect(await r.dbsize()).toBe(1);
      });

      // A fault by command on the same server: CLIENT PAUSE WRITE, then CLIENT UNPAUSE, as the ACL user.
      const paused = await splitbrain([
        "--endpoint",
        `rediss://tester:${password}@${ip}:6379`,
        "--tls-ca",
        join(tls, "ca.crt"),
        "--tls-servername",
        "redis.test",
        "--workload",
        "register",
        "--time-limit",
        "4",
        "--recovery-time",
        "1",
        "--concurrency",
        "4",
        "--nemesis",
        "client-pause",
        "--nemesis-interval",
        "1",
        "--json",
      ]);
      if (![0, 1, 2].includes(paused.code)) throw new Error(`exit ${paused.code}\n${paused.stderr}`);
      const dir3 = (JSON.parse(paused.stdout) as { runDir: string }).runDir;
      const pauses = readRunHistoryJson(dir3).filter((o) => o.f === "start-client-pause" && o.type === "ok");
      expect(pauses.length).toBeGreaterThan(0);
      await withClient(conn, async (r) => expect(await r.dbsize()).toBe(1));
    },
    150_000,
  );

  it("a Sentinel group: --sentinel with a password, a kill/start hook on the primary", async () => {
    const password = `pw-${Math.random().toString(36).slice(2)}-sentinel`;
    const data = (name: string, extra: string[]) =>
      run(name, [
        image!,
        "redis-server",
        "--port",
        "6379",
        "--save",
        "",
        "--requirepass",
        password,
        "--masterauth",
        password,
        ...extra,
      ]);
    const primary = data("p", []);
    const pip = ipOf(primary);
    const replicas = [data("r1", ["--replicaof", pip, "6379"]), data("r2", ["--replicaof", pip, "6379"])];
    const conf = [
      "port 26379",
      `sentinel monitor m ${pip} 6379 2`,
      `sentinel auth-pass m ${password}`,
      "sentinel down-after-milliseconds m 2000",
      "sentinel failover-timeout m 6000",
    ].join("\\n");
    const sentinels = [1, 2, 3].map((i) =>
      run(`s${i}`, [image!, "sh", "-c", `printf '${conf}\\n' > /tmp/s.conf && exec redis-sentinel /tmp/s.conf`]),
    );
    const sips = sentinels.map(ipOf);
    const conn = (host: string): RedisOptions => ({ host, port: 6379, password });
    await until("replication", () =>
      withClient(conn(pip), async (r) => /connected_slaves:2/.test(await r.info("replication"))),
    );
    await until("the Sentinels", () =>
      withClient({ host: sips[0]!, port: 26379 }, async (r) => {
        const s = (await r.call("SENTINEL", "SENTINELS", "m")) as unknown[];
        return s.length === 2;
      }),
    );
    await withClient(conn(pip), async (r) => {
      await r.set("planted:user-data", "keep me");
      await r.call("WAIT", "2", "2000");
    });

    const res = await splitbrain(
      [
        "--sentinel",
        sips.map((s) => `${s}:26379`).join(","),
        "--master-name",
        "m",
        ...RUN,
        ...HOOK_EVERY,
        "--hook-start",
        `docker kill ${primary}`,
        "--hook-stop",
        `docker start ${primary}`,
      ],
      { SPLITBRAIN_PASSWORD: password },
    );
    const { test } = checkRunDir(res, [password]);
    expect(test.cluster.existing.kind).toBe("sentinel");
    expect(test.cluster.existing.passwordGiven).toBe(true);
    const prefix = test.cluster.existing.keyPrefix as string;
    // Whoever is primary now holds the planted key, and nothing under the prefix.
    const now = await withClient({ host: sips[0]!, port: 26379 }, (r) =>
      r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m"),
    );
    await withClient(conn(String((now as string[])[0])), async (r) => {
      expect(await r.get("planted:user-data")).toBe("keep me");
      const [, left] = await r.scan("0", "MATCH", `${prefix}*`, "COUNT", "100000");
      expect(left).toEqual([]);
    });
    void replicas;

    // A failover by command on the same group: SENTINEL FAILOVER through the Sentinels, recorded like any fault.
    const byCommand = await splitbrain([
      "--sentinel",
      sips.map((s) => `${s}:26379`).join(","),
      "--master-name",
      "m",
      "--password",
      password,
      "--workload",
      "register",
      "--time-limit",
      "6",
      "--recovery-time",
      "2",
      "--concurrency",
      "4",
      "--nemesis",
      "failover",
      "--nemesis-interval",
      "2",
      "--json",
    ]);
    if (![0, 1, 2].includes(byCommand.code)) throw new Error(`exit ${byCommand.code}\n${byCommand.stderr}`);
    const dir2 = (JSON.parse(byCommand.stdout) as { runDir: string }).runDir;
    const failovers = readRunHistoryJson(dir2).filter((o) => o.f === "start-failover" && o.type === "ok");
    expect(failovers.length).toBeGreaterThan(0);
    expect(String(failovers[0].value.via)).toContain("SENTINEL FAILOVER");
    for (const { path, text } of allText(dir2))
      if (text.includes(password)) throw new Error(`${path} holds a password`);
  }, 150_000);

  it("a Dragonfly with a password: --endpoint, a pause hook", async () => {
    const dfImage =
      localImage("splitbrain-node:dragonfly-1.40.1-bookworm") ??
      (await findNodeImage("dragonfly").catch(() => undefined))?.ref;
    if (!dfImage) return;
    const password = `pw-${Math.random().toString(36).slice(2)}-df`;
    const c = run("df", [
      dfImage,
      "dragonfly",
      "--port",
      "6379",
      "--requirepass",
      password,
      "--proactor_threads",
      "2",
      "--force_epoll",
      "--dbfilename=",
      // No call home: traffic stays between the runner and the containers made here.
      "--version_check=false",
    ]);
    const ip = ipOf(c);
    const conn: RedisOptions = { host: ip, port: 6379, password };
    await until("Dragonfly", () => withClient(conn, async (r) => (await r.ping()) === "PONG"));
    await withClient(conn, (r) => r.set("planted:user-data", "keep me"));
    const res = await splitbrain(
      [
        "--endpoint",
        `redis://${ip}:6379`,
        ...RUN,
        ...HOOK_EVERY,
        "--hook-start",
        `docker pause ${c}`,
        "--hook-stop",
        `docker unpause ${c}`,
      ],
      { SPLITBRAIN_PASSWORD: password },
    );
    const { test } = checkRunDir(res, [password]);
    expect(test.cluster.existing.server.engine).toBe("dragonfly");
    await withClient(conn, async (r) => {
      expect(await r.get("planted:user-data")).toBe("keep me");
      expect(await r.dbsize()).toBe(1);
    });
  }, 120_000);

  it("a Redis Cluster of three primaries: --cluster, a pause hook on one primary", async () => {
    const nodes = [1, 2, 3].map((i) =>
      run(`c${i}`, [
        image!,
        "redis-server",
        "--port",
        "6379",
        "--save",
        "",
        "--protected-mode",
        "no",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "/tmp/nodes.conf",
        "--cluster-node-timeout",
        "3000",
      ]),
    );
    const ips = nodes.map(ipOf);
    await until("the nodes", () => withClient({ host: ips[2]!, port: 6379 }, async (r) => (await r.ping()) === "PONG"));
    sh("docker", [
      "exec",
      nodes[0]!,
      "redis-cli",
      "--cluster",
      "create",
      ...ips.map((ip) => `${ip}:6379`),
      "--cluster-yes",
    ]);
    await until("cluster_state ok", async () => {
      for (const ip of ips) {
        const ok = await withClient({ host: ip, port: 6379 }, async (r) =>
          /cluster_state:ok/.test(String(await r.call("CLUSTER", "INFO"))),
        );
        if (!ok) return false;
      }
      return true;
    });
    const client = new Cluster(ips.map((host) => ({ host, port: 6379 })));
    client.on("error", () => undefined);
    try {
      await client.set("planted:{user}", "keep me");
    } finally {
      client.disconnect();
    }

    const res = await splitbrain([
      "--cluster",
      ips.map((ip) => `${ip}:6379`).join(","),
      "--key-prefix",
      "e2e-run:",
      ...RUN,
      ...HOOK_EVERY,
      "--hook-start",
      `docker pause ${nodes[1]}`,
      "--hook-stop",
      `docker unpause ${nodes[1]}`,
    ]);
    const { test } = checkRunDir(res, []);
    expect(test.cluster.existing.kind).toBe("cluster");
    // A failover needs a replica, which this Cluster lacks: refused before any op, with the reason.
    const refused = await splitbrain(["--cluster", `${ips[0]}:6379`, "--nemesis", "failover", "--time-limit", "3"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("no primary of this Cluster has a replica");
    expect(test.cluster.existing.keyPrefix).toBe("e2e-run:");
    let planted: string | null = null;
    const after = new Cluster(ips.map((host) => ({ host, port: 6379 })));
    after.on("error", () => undefined);
    try {
      planted = await after.get("planted:{user}");
    } finally {
      after.disconnect();
    }
    expect(planted).toBe("keep me");
    for (const ip of ips) {
      await withClient({ host: ip, port: 6379 }, async (r) => {
        const [, left] = await r.scan("0", "MATCH", "e2e-run:*", "COUNT", "100000");
        expect(left).toEqual([]);
      });
    }
  }, 150_000);
});
