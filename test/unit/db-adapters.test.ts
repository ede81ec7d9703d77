import { describe, expect, it } from "vitest";
import type { NodeView } from "../../src/db/db.js";
import { identifyServer } from "../../src/db/engines.js";
import { dbFor } from "../../src/db/index.js";
import { defaultSpec } from "../../src/db/spec.js";
import { type NodePlan, planLayout } from "../../src/topology/layout.js";
import type { ClusterSpec } from "../../src/topology/spec.js";

function view(spec: ClusterSpec, name: string): NodeView {
  const plans = planLayout(spec);
  const byName = new Map(plans.map((p) => [p.name, p]));
  const ipOf = (n: string) => `10.213.7.${10 + byName.get(n)!.address}`;
  return { runId: "r1", plan: byName.get(name) as NodePlan, ip: ipOf(name), ipOf };
}

function directives(conf: string): string[] {
  return conf.split("\n").filter((l) => l && !l.startsWith("#"));
}

describe("Redis adapter", () => {
  const redis = dbFor("redis");

  it("renders a replica's redis.conf with its primary and announce address", () => {
    const spec = defaultSpec({ topology: "replicated" });
    const launch = redis.serverLaunch(spec, view(spec, "n2"));
    expect(launch.argv).toEqual(["redis-server", "/etc/splitbrain/redis.conf"]);
    const d = directives(launch.files[0]!.contents);
    expect(d).toContain("replicaof 10.213.7.11 6379");
    expect(d).toContain("replica-announce-ip 10.213.7.12");
    expect(d).toContain("dir /data");
    expect(d.some((l) => l.startsWith("cluster-enabled"))).toBe(false);
    expect(launch.files[0]!.saveAs).toBe("redis.conf");
  });

  it("writes the audited settings, the --redis-conf extras last", () => {
    const spec = defaultSpec({ topology: "sentinel" });
    Object.assign(spec.settings, {
      appendonly: true,
      appendfsync: "always",
      save: "",
      minReplicasToWrite: 1,
      minReplicasMaxLag: 10,
      maxmemory: "100mb",
      maxmemoryPolicy: "noeviction",
      replBacklogSize: "1mb",
      extra: [["hz", "50"]],
    });
    const d = directives(redis.serverLaunch(spec, view(spec, "n1")).files[0]!.contents);
    for (const line of [
      "appendonly yes",
      "appendfsync always",
      'save ""',
      "min-replicas-to-write 1",
      "min-replicas-max-lag 10",
      "maxmemory 100mb",
      "maxmemory-policy noeviction",
      "repl-backlog-size 1mb",
    ]) {
      expect(d).toContain(line);
    }
    expect(d[d.length - 1]).toBe("hz 50");
    expect(d.some((l) => l.startsWith("replicaof"))).toBe(false);
  });

  it("renders cluster configs with announce addresses and the node timeout", () => {
    const spec = defaultSpec({ topology: "cluster", clusterNodeTimeoutMs: 2000 });
    const d = directives(redis.serverLaunch(spec, view(spec, "n4")).files[0]!.contents);
    expect(d).toEqual(
      expect.arrayContaining([
        "cluster-enabled yes",
        "cluster-node-timeout 2000",
        "cluster-announce-ip 10.213.7.14",
        "cluster-announce-bus-port 16379",
      ]),
    );
    // Replication in a cluster is set with CLUSTER REPLICATE, never replicaof.
    expect(d.some((l) => l.startsWith("replicaof"))).toBe(false);
  });

  it("renders sentinel.conf that announces the Sentinel's own address and watches the primary", () => {
    const spec = defaultSpec({ topology: "sentinel" });
    const launch = redis.sentinelLaunch(spec, view(spec, "s2"), { ip: "10.213.7.11", port: 6379 });
    expect(launch.argv).toEqual(["redis-sentinel", "/etc/splitbrain/sentinel.conf"]);
    const d = directives(launch.files[0]!.contents);
    expect(d).toEqual(
      expect.arrayContaining([
        "port 26379",
        "sentinel announce-ip 10.213.7.15",
        "sentinel monitor splitbrain 10.213.7.11 6379 2",
        "sentinel down-after-milliseconds splitbrain 3000",
        "sentinel failover-timeout splitbrain 10000",
      ]),
    );
  });

  it("writes the replicas and peer Sentinels into sentinel.conf, with run ids its peers were told", () => {
    const spec = defaultSpec({ topology: "sentinel" });
    const known = {
      replicas: [
        { ip: "10.213.7.12", port: 6379 },
        { ip: "10.213.7.13", port: 6379 },
      ],
      sentinels: ["s1", "s2", "s3"].map((name, i) => ({ name, ip: `10.213.7.${14 + i}` })),
    };
    const conf = (name: string) =>
      directives(
        redis.sentinelLaunch(spec, view(spec, name), { ip: "10.213.7.11", port: 6379 }, known).files[0]!.contents,
      );
    const s2 = conf("s2");
    const idOf = (c: string[]) => c.find((l) => l.startsWith("sentinel myid "))!.split(" ")[2]!;
    expect(idOf(s2)).toMatch(/^[0-9a-f]{40}$/);
    expect(s2).toEqual(
      expect.arrayContaining([
        "sentinel known-replica splitbrain 10.213.7.12 6379",
        "sentinel known-replica splitbrain 10.213.7.13 6379",
        `sentinel known-sentinel splitbrain 10.213.7.14 26379 ${idOf(conf("s1"))}`,
        `sentinel known-sentinel splitbrain 10.213.7.16 26379 ${idOf(conf("s3"))}`,
      ]),
    );
    // Not itself, and the monitor line comes first: Sentinel reads known-* lines against a master it already has.
    expect(s2.filter((l) => l.includes("known-sentinel"))).toHaveLength(2);
    expect(s2.findIndex((l) => l.startsWith("sentinel monitor"))).toBeLessThan(
      s2.findIndex((l) => l.includes("known-")),
    );
    expect(new Set(["s1", "s2", "s3"].map((n) => idOf(conf(n)))).size).toBe(3);
  });

  it("asks the server, not a table, which settings exist", () => {
    const spec = defaultSpec({ topology: "single" });
    spec.settings.minReplicasMaxLag = 5;
    spec.settings.extra = [["lazyfree-lazy-user-flush", "yes"]];
    const caps = {
      engine: "redis" as const,
      version: "6.0.0",
      commands: {},
      config: { "min-replicas-max-lag": true, "lazyfree-lazy-user-flush": false },
      multiplexingApi: "epoll",
    };
    expect(redis.capabilityRefusals(spec, caps)).toEqual([
      'Redis 6.0.0 has no "lazyfree-lazy-user-flush" setting (CONFIG GET lazyfree-lazy-user-flush knows nothing of it).',
    ]);
  });
});

describe("Valkey adapter", () => {
  it("reuses Redis's rendering with Valkey's binaries and identity", () => {
    const valkey = dbFor("valkey");
    const spec = defaultSpec({ db: "valkey", topology: "sentinel" });
    expect(valkey.serverLaunch(spec, view(spec, "n1")).argv[0]).toBe("valkey-server");
    expect(valkey.sentinelLaunch(spec, view(spec, "s1"), { ip: "x", port: 6379 }).argv[0]).toBe("valkey-sentinel");
    expect(identifyServer({ server_name: "valkey", valkey_version: "8.1.1", redis_version: "7.2.4" })).toEqual({
      engine: "valkey",
      version: "8.1.1",
    });
    expect(identifyServer({ redis_version: "7.0.15" })).toEqual({ engine: "redis", version: "7.0.15" });
  });
});

describe("Dragonfly adapter", () => {
  const dragonfly = dbFor("dragonfly");

  it("starts dragonfly from a saved flag file with the flags that matter and no phoning home", () => {
    const spec = defaultSpec({ db: "dragonfly", topology: "replicated" });
    spec.settings.maxmemory = "512mb";
    spec.dragonfly.proactorThreads = 2;
    spec.dragonfly.snapshotCron = "*/1 * * * *";
    spec.dragonfly.extra = [["cache_mode", "false"]];
    const launch = dragonfly.serverLaunch(spec, view(spec, "n2"));
    expect(launch.argv).toEqual(["dragonfly", "--flagfile=/etc/splitbrain/dragonfly.flags"]);
    const flags = directives(launch.files[0]!.contents);
    expect(flags).toEqual([
      "--port=6379",
      "--bind=0.0.0.0",
      "--dir=/data",
      "--dbfilename=dump",
      "--version_check=false",
      "--logtostderr",
      "--replica_announce_ip=10.213.7.12",
      "--proactor_threads=2",
      "--maxmemory=512mb",
      "--snapshot_cron=*/1 * * * *",
      "--cache_mode=false",
    ]);
    // Dragonfly has no replicaof setting that survives a restart the way redis.conf's does: REPLICAOF after start.
    expect(dragonfly.replicaOfBy).toBe("command");
  });

  it("watches Dragonfly with Redis Sentinel", () => {
    const spec = defaultSpec({ db: "dragonfly", topology: "sentinel" });
    const launch = dragonfly.sentinelLaunch(spec, view(spec, "s1"), { ip: "10.213.7.11", port: 6379 });
    expect(launch.argv[0]).toBe("redis-sentinel");
    expect(launch.files[0]!.contents).toContain("sentinel monitor splitbrain 10.213.7.11 6379 2");
  });

  it("asks for no memlock ulimit unless told to (some runtimes refuse memlock=-1)", () => {
    const spec = defaultSpec({ db: "dragonfly", topology: "single" });
    expect(dragonfly.containerNeeds(spec).ulimits).toEqual([]);
    spec.dragonfly.memlock = "unlimited";
    expect(dragonfly.containerNeeds(spec).ulimits).toEqual([{ Name: "memlock", Soft: -1, Hard: -1 }]);
    expect(dbFor("redis").containerNeeds(spec).ulimits).toEqual([]);
  });

  it("identifies itself by dragonfly_version", () => {
    expect(identifyServer({ redis_version: "7.4.0", dragonfly_version: "df-v1.40.1" })).toEqual({
      engine: "dragonfly",
      version: "1.40.1",
    });
  });
});
