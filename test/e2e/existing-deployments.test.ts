import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster, type RedisOptions } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findNodeImage } from "../../src/image/images.js";
import { readRunHistoryJson } from "./support/history.js";
import {
  ipOf,
  localImage,
  noSecretsIn,
  Outside,
  PLANTED,
  plainRedis,
  plant,
  redisOutside,
  type Splitbrain,
  sh,
  splitbrain as spawnSplitbrain,
  until,
  untouched,
  verdict,
  withClient,
} from "./support/outside.js";

/**
 * splitbrain against deployments it did not start: the test makes them itself with plain `docker run` (no
 * splitbrain labels, the node image used as a plain image) on a network it creates, then runs `splitbrain run`
 * with --endpoint / --sentinel / --cluster and a hook fault made of docker commands. Each run must end with a
 * verdict, record the hook's commands, leave the key planted before it alone, leave no key under its prefix, and
 * write no password anywhere in its run directory. Traffic goes only to the containers made here.
 */
const { image, runnable } = await redisOutside();
let openssl = false;
try {
  execFileSync("openssl", ["version"], { stdio: "ignore" });
  openssl = true;
} catch {
  openssl = false;
}

const outside = new Outside(`sbx-existing-${process.pid}-${Date.now().toString(36)}`);
const work = mkdtempSync(join(tmpdir(), "splitbrain-e2e-existing-"));
const resultsRoot = join(work, "results");

function splitbrain(args: string[], env: Record<string, string> = {}): Promise<Splitbrain> {
  return spawnSplitbrain(["run", "--results", resultsRoot, ...args], env);
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
  const dir = verdict(res).runDir;
  const test = JSON.parse(readFileSync(join(dir, "test.json"), "utf8")) as RecordedTest;
  expect(test.cluster.existing).toBeDefined();
  const ops = readRunHistoryJson(dir);
  const hookOps = ops.filter((o) => o.process === "nemesis" && /-hook$/.test(o.f));
  expect(hookOps.some((o) => o.f === "start-hook" && o.type === "ok" && o.value?.exitCode === 0)).toBe(true);
  expect(hookOps.some((o) => o.f === "stop-hook" && o.type === "ok")).toBe(true);
  expect(test.faults.hook.length).toBeGreaterThan(0);
  // Client ops happened and were checked.
  expect(ops.filter((o) => o.process !== "nemesis" && o.type === "ok").length).toBeGreaterThan(20);
  noSecretsIn(dir, secrets);
  for (const s of secrets) expect(res.stdout + res.stderr).not.toContain(s);
  return { dir, test };
}

/** The history of a run that ended with a verdict: the ok ops of nemesis function `f`, and its directory. */
function faultsDone(res: Splitbrain, f: string) {
  const dir = verdict(res).runDir;
  return { dir, done: readRunHistoryJson(dir).filter((o) => o.f === f && o.type === "ok") };
}

/**
 * A CA and, signed by it, a server certificate for `redis.test` and a client certificate, made by openssl in `dir`
 * (readable by the container's redis user).
 */
function makeCertificates(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const days = ["-days", "2"];
  sh(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.crt")].concat([
      ...days,
      "-subj",
      "/CN=splitbrain-test-ca",
    ]),
  );
  writeFileSync(f("server.cnf"), "subjectAltName=DNS:redis.test\n");
  writeFileSync(f("client.cnf"), "extendedKeyUsage=clientAuth\n");
  for (const [who, cn] of [
    ["server", "redis.test"],
    ["client", "splitbrain-test-client"],
  ] as const) {
    sh(
      "openssl",
      ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", f(`${who}.key`), "-out", f(`${who}.csr`)].concat([
        "-subj",
        `/CN=${cn}`,
      ]),
    );
    sh(
      "openssl",
      ["x509", "-req", "-in", f(`${who}.csr`), "-CA", f("ca.crt"), "-CAkey", f("ca.key")].concat([
        "-CAcreateserial",
        "-out",
        f(`${who}.crt`),
        ...days,
        "-extfile",
        f(`${who}.cnf`),
      ]),
    );
  }
  sh("chmod", ["-R", "a+rX", dir]);
}

/** The test's certificates, made on first use. */
function certificates(): string {
  const dir = join(work, "tls");
  if (!existsSync(join(dir, "client.crt"))) makeCertificates(dir);
  return dir;
}

/** The certificates mounted at /tls, as config lines (a Sentinel's file) and as redis-server arguments. */
const TLS_FILES = ["tls-cert-file /tls/server.crt", "tls-key-file /tls/server.key", "tls-ca-cert-file /tls/ca.crt"];
const asArgs = (lines: string[]) => lines.flatMap((l) => l.split(" ").map((w, i) => (i === 0 ? `--${w}` : w)));

/** A redis-server on TLS only (port 6379), with the test's certificates and no persistence, plus `extra`. */
function tlsRedis(name: string, tls: string, extra: string[]): string {
  return outside.run(name, [
    "-v",
    `${tls}:/tls:ro`,
    image!,
    "redis-server",
    "--port",
    "0",
    "--tls-port",
    "6379",
    ...asArgs(TLS_FILES),
    "--save",
    "",
    ...extra,
  ]);
}

/** A TLS-only redis-server with an ACL user `tester` without CONFIG, and no default user. */
function tlsServer(name: string, tls: string, password: string, authClients: "yes" | "no"): string {
  return tlsRedis(name, tls, [
    "--tls-auth-clients",
    authClients,
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
}

const RUN = ["--workload", "register,set", "--time-limit", "9", "--recovery-time", "2", "--concurrency", "6"];
/** A short run whose fault is a failover by command every 2 s. */
const FAILOVER_RUN = [
  "--workload",
  "register",
  "--time-limit",
  "6",
  "--recovery-time",
  "2",
  "--concurrency",
  "4",
].concat(["--nemesis", "failover", "--nemesis-interval", "2", "--json"]);
/** The run's own options with a hook fault every 3 s: `start` then `stop`, shell lines as a user writes them. */
function hooked(start: string, stop: string): string[] {
  return [...RUN, "--nemesis", "hook", "--nemesis-interval", "3", "--json", "--hook-start", start, "--hook-stop", stop];
}

describe.skipIf(!runnable)("existing deployments, started without splitbrain", () => {
  beforeAll(() => {
    outside.createNetwork();
  });

  afterAll(() => {
    outside.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it.skipIf(!openssl)(
    "standalone with TLS, client certificates and an ACL user: --endpoint rediss://, a pause hook, keys cleaned, password nowhere",
    async () => {
      const tls = certificates();
      const ca = ["--tls-ca", join(tls, "ca.crt"), "--tls-servername", "redis.test"];
      const clientCert = ["--tls-cert", join(tls, "client.crt"), "--tls-key", join(tls, "client.key")];
      const password = `pw-${Math.random().toString(36).slice(2)}-tls`;
      // The client key's body must not be copied into the run directory either.
      const keyLine = readFileSync(join(tls, "client.key"), "utf8").split("\n")[1]!;
      const c = tlsServer("tls", tls, password, "yes");
      const ip = ipOf(c);
      const conn: RedisOptions = {
        host: ip,
        port: 6379,
        username: "tester",
        password,
        tls: {
          ca: readFileSync(join(tls, "ca.crt"), "utf8"),
          cert: readFileSync(join(tls, "client.crt"), "utf8"),
          key: readFileSync(join(tls, "client.key"), "utf8"),
          servername: "redis.test",
        },
      };
      await until("the TLS server", () => withClient(conn, async (r) => (await r.ping()) === "PONG"));
      await plant(conn);
      const endpoint = `rediss://tester:${password}@${ip}:6379`;

      // Without a client certificate the server ends the handshake: refused before any op, saying what to give.
      const noCert = await splitbrain(["--endpoint", endpoint, ...ca, ...RUN, "--nemesis", "none"]);
      expect(noCert.code).toBe(3);
      expect(noCert.stderr).toContain(`cannot reach`);
      expect(noCert.stderr).toContain("--tls-cert");
      expect(noCert.stdout + noCert.stderr).not.toContain(password);

      const res = await splitbrain([
        "--endpoint",
        endpoint,
        ...ca,
        ...clientCert,
        ...hooked(`docker pause ${c}`, `docker unpause ${c}`),
      ]);
      const { dir, test } = checkRunDir(res, [password, keyLine]);
      expect(test.cluster.existing.tls).toBe(true);
      expect(test.cluster.existing.server.engine).toBe("redis");
      expect(test.cluster.existing.settingsNotReadable).toContain("appendonly");
      expect(test.command.join(" ")).toContain("tester:***@");
      const prefix = test.cluster.existing.keyPrefix as string;
      expect(prefix).toMatch(/^splitbrain:/);
      const cleanup = JSON.parse(readFileSync(join(dir, "cleanup.json"), "utf8"));
      expect(Object.values(cleanup.removed as Record<string, number>)[0]).toBeGreaterThan(0);
      await untouched(conn, prefix);
      await withClient(conn, async (r) => expect(await r.dbsize()).toBe(1));

      // A server that asks for no client certificate, reached with the CA alone; a fault by command on it: CLIENT
      // PAUSE WRITE, then CLIENT UNPAUSE, as the ACL user.
      const open = ipOf(tlsServer("tls-open", tls, password, "no"));
      const openConn: RedisOptions = { ...conn, host: open, tls: { ca: conn.tls!.ca, servername: "redis.test" } };
      await until("the second TLS server", () => withClient(openConn, async (r) => (await r.ping()) === "PONG"));
      await plant(openConn);
      const paused = await splitbrain([
        "--endpoint",
        `rediss://tester:${password}@${open}:6379`,
        ...ca,
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
      expect(faultsDone(paused, "start-client-pause").done.length).toBeGreaterThan(0);
      await withClient(openConn, async (r) => expect(await r.dbsize()).toBe(1));
    },
    180_000,
  );

  it("a Sentinel group: --sentinel with a password, a kill/start hook on the primary", async () => {
    const password = `pw-${Math.random().toString(36).slice(2)}-sentinel`;
    const data = (name: string, extra: string[]) =>
      outside.run(name, [
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
      outside.run(`s${i}`, [
        image!,
        "sh",
        "-c",
        `printf '${conf}\\n' > /tmp/s.conf && exec redis-sentinel /tmp/s.conf`,
      ]),
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
      await r.set(PLANTED, "keep me");
      await r.call("WAIT", "2", "2000");
    });

    const res = await splitbrain(
      [
        "--sentinel",
        sips.map((s) => `${s}:26379`).join(","),
        "--master-name",
        "m",
        ...hooked(`docker kill ${primary}`, `docker start ${primary}`),
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
    await untouched(conn(String((now as string[])[0])), prefix);
    void replicas;

    // A failover by command on the same group: SENTINEL FAILOVER through the Sentinels, recorded like any fault.
    const byCommand = await splitbrain([
      "--sentinel",
      sips.map((s) => `${s}:26379`).join(","),
      "--master-name",
      "m",
      "--password",
      password,
      ...FAILOVER_RUN,
    ]);
    const { dir: dir2, done: failovers } = faultsDone(byCommand, "start-failover");
    expect(failovers.length).toBeGreaterThan(0);
    expect(String(failovers[0].value.via)).toContain("SENTINEL FAILOVER");
    noSecretsIn(dir2, [password]);
  }, 150_000);

  it.skipIf(!openssl)(
    "a Sentinel group speaking only TLS: --sentinel with --tls and --sentinel-tls, a failover by command",
    async () => {
      const tls = certificates();
      const files = [...TLS_FILES, "tls-auth-clients no", "tls-replication yes"];
      const data = (name: string, extra: string[]) =>
        tlsRedis(name, tls, [...asArgs(files.slice(TLS_FILES.length)), "--protected-mode", "no", ...extra]);
      const primary = data("tp", []);
      const pip = ipOf(primary);
      data("tr", ["--replicaof", pip, "6379"]);
      // Sentinels on TLS only (port 0), speaking TLS to the data nodes and to each other (tls-replication).
      const conf = [
        "port 0",
        "tls-port 26379",
        ...files,
        `sentinel monitor tm ${pip} 6379 1`,
        "sentinel down-after-milliseconds tm 2000",
        "sentinel failover-timeout tm 6000",
      ].join("\\n");
      const sips = [1, 2].map((i) =>
        ipOf(
          outside.run(`ts${i}`, [
            "-v",
            `${tls}:/tls:ro`,
            image!,
            "sh",
            "-c",
            `printf '${conf}\\n' > /tmp/s.conf && exec redis-sentinel /tmp/s.conf`,
          ]),
        ),
      );
      const tlsOpts = { ca: readFileSync(join(tls, "ca.crt"), "utf8"), servername: "redis.test" };
      const conn: RedisOptions = { host: pip, port: 6379, tls: tlsOpts };
      await until("TLS replication", () =>
        withClient(conn, async (r) => /slave0:.*state=online/.test(await r.info("replication"))),
      );
      await until("the Sentinels over TLS", () =>
        withClient({ host: sips[0]!, port: 26379, tls: tlsOpts }, async (r) => {
          const s = (await r.call("SENTINEL", "REPLICAS", "tm")) as unknown[];
          return s.length === 1;
        }),
      );
      await plant(conn);
      const res = await splitbrain([
        "--sentinel",
        sips.map((s) => `${s}:26379`).join(","),
        "--master-name",
        "tm",
        "--tls",
        "--sentinel-tls",
        "--tls-ca",
        join(tls, "ca.crt"),
        "--tls-servername",
        "redis.test",
        ...FAILOVER_RUN,
      ]);
      const { dir, done } = faultsDone(res, "start-failover");
      expect(done.length).toBeGreaterThan(0);
      expect(String(done[0].value.via)).toContain("SENTINEL FAILOVER");
      const test = JSON.parse(readFileSync(join(dir, "test.json"), "utf8")) as RecordedTest;
      expect(test.cluster.existing.kind).toBe("sentinel");
      expect(test.cluster.existing.tls).toBe(true);
      const now = (await withClient({ host: sips[0]!, port: 26379, tls: tlsOpts }, (r) =>
        r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "tm"),
      )) as string[];
      await untouched({ ...conn, host: String(now[0]) }, test.cluster.existing.keyPrefix);
    },
    120_000,
  );

  it("a Dragonfly with a password: --endpoint, a pause hook", async () => {
    const dfImage =
      localImage("splitbrain-node:dragonfly-1.40.1-bookworm") ??
      (await findNodeImage("dragonfly").catch(() => undefined))?.ref;
    if (!dfImage) return;
    const password = `pw-${Math.random().toString(36).slice(2)}-df`;
    const c = outside.run("df", [
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
    await plant(conn);
    const res = await splitbrain(
      ["--endpoint", `redis://${ip}:6379`, ...hooked(`docker pause ${c}`, `docker unpause ${c}`)],
      { SPLITBRAIN_PASSWORD: password },
    );
    const { test } = checkRunDir(res, [password]);
    expect(test.cluster.existing.server.engine).toBe("dragonfly");
    await withClient(conn, async (r) => {
      expect(await r.get(PLANTED)).toBe("keep me");
      expect(await r.dbsize()).toBe(1);
    });
  }, 120_000);

  it("a Redis Cluster of three primaries: --cluster, a pause hook on one primary", async () => {
    const nodes = [1, 2, 3].map((i) =>
      outside.run(
        `c${i}`,
        plainRedis(image!, [
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          "/tmp/nodes.conf",
          "--cluster-node-timeout",
          "3000",
        ]),
      ),
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
      ...hooked(`docker pause ${nodes[1]}`, `docker unpause ${nodes[1]}`),
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
