import { describe, expect, it } from "vitest";
import { sentinelMajority } from "../../src/cluster/discovery.js";
import { type HealthObservation, type HealthTarget, healthProblems } from "../../src/cluster/health.js";
import type { DockerNode } from "../../src/cluster/node.js";
import { launchScript } from "../../src/cluster/node.js";
import { keepMessage } from "../../src/cluster/teardown.js";

const sentinelTarget: HealthTarget = {
  topology: "sentinel",
  data: [
    { name: "n1", ip: "10.0.0.11", port: 6379 },
    { name: "n2", ip: "10.0.0.12", port: 6379 },
    { name: "n3", ip: "10.0.0.13", port: 6379 },
  ],
  sentinels: [
    { name: "s1", ip: "10.0.0.14" },
    { name: "s2", ip: "10.0.0.15" },
    { name: "s3", ip: "10.0.0.16" },
  ],
  replicasPerPrimary: 2,
  primaries: 1,
};

function healthy(): HealthObservation {
  const replica = { role: "slave", master_link_status: "up" };
  const s = { ping: true as const, primary: "10.0.0.11:6379", replicasKnown: 2, peersKnown: 2 };
  return {
    data: {
      n1: { ping: true, info: { role: "master", connected_slaves: "2" } },
      n2: { ping: true, info: replica },
      n3: { ping: true, info: replica },
    },
    sentinels: { s1: { ...s }, s2: { ...s }, s3: { ...s } },
  };
}

describe("healthProblems", () => {
  it("finds nothing wrong with a settled Sentinel topology", () => {
    expect(healthProblems(sentinelTarget, healthy())).toEqual([]);
  });

  it("names the node and what is wrong: a down link, a silent node, a Sentinel that disagrees or is alone", () => {
    const o = healthy();
    o.data.n2 = { ping: true, info: { role: "slave", master_link_status: "down" } };
    o.data.n3 = { ping: "connect ECONNREFUSED" };
    o.sentinels.s2 = { ping: true, primary: "10.0.0.12:6379", replicasKnown: 2, peersKnown: 0 };
    const problems = healthProblems(sentinelTarget, o);
    expect(problems).toEqual(
      expect.arrayContaining([
        { node: "n2", problem: "replica's master_link_status is down" },
        { node: "n3", problem: "does not answer PING (connect ECONNREFUSED)" },
        { node: "s2", problem: "Sentinel knows 0 of 2 other Sentinels" },
        { node: "s1", problem: "Sentinels disagree on the primary: 10.0.0.11:6379 vs 10.0.0.12:6379" },
      ]),
    );
  });

  it("catches two primaries and a primary missing replicas", () => {
    const o = healthy();
    o.data.n2 = { ping: true, info: { role: "master", connected_slaves: "0" } };
    o.data.n1!.info!.connected_slaves = "1";
    const problems = healthProblems(sentinelTarget, o).map((p) => `${p.node}: ${p.problem}`);
    expect(problems).toContain("n1: primary has 1 of 2 replicas connected");
    expect(problems).toContain("n2: primary has 0 of 2 replicas connected");
  });

  it("requires cluster_state:ok and full membership in cluster topology", () => {
    const t: HealthTarget = {
      ...sentinelTarget,
      topology: "cluster",
      sentinels: [],
      replicasPerPrimary: 0,
      primaries: 3,
    };
    const info = { role: "master", connected_slaves: "0", cluster_state: "ok", cluster_known_nodes: "3" };
    const o: HealthObservation = {
      data: {
        n1: { ping: true, info },
        n2: { ping: true, info },
        n3: { ping: true, info: { ...info, cluster_state: "fail", cluster_known_nodes: "1" } },
      },
      sentinels: {},
    };
    expect(healthProblems(t, o)).toEqual([
      { node: "n3", problem: "cluster_state is fail" },
      { node: "n3", problem: "knows 1 of 3 cluster nodes" },
    ]);
    o.data.n3!.info = info;
    expect(healthProblems(t, o)).toEqual([]);
  });
});

describe("sentinelMajority", () => {
  it("takes the address most Sentinels name and refuses ties and silence", () => {
    expect(sentinelMajority(["a:1", "a:1", "b:1"])).toBe("a:1");
    expect(sentinelMajority(["a:1", undefined, undefined])).toBe("a:1");
    expect(sentinelMajority(["a:1", "b:1"])).toBeUndefined();
    expect(sentinelMajority([undefined])).toBeUndefined();
  });
});

describe("node process launch", () => {
  it("records the server's own pid (the shell execs it) and appends to its log", () => {
    expect(launchScript({ process: "db", files: [], argv: ["redis-server", "/etc/splitbrain/redis.conf"] })).toBe(
      "echo $$ > /run/splitbrain/db.pid; exec 'redis-server' '/etc/splitbrain/redis.conf' >> /var/log/splitbrain/db.log 2>&1",
    );
    expect(
      launchScript({ process: "db", files: [], argv: ["dragonfly", "--snapshot_cron=*/1 * * * *", "it's"] }),
    ).toContain(`'--snapshot_cron=*/1 * * * *' 'it'\\''s'`);
  });

  it("tells a user who kept the cluster how to reach and remove it", () => {
    const nodes = [
      { name: "n1", ip: "10.0.0.11", port: 6379, kind: "data" },
      { name: "s1", ip: "10.0.0.14", port: 26379, kind: "sentinel" },
    ] as unknown as DockerNode[];
    const msg = keepMessage("r1", nodes);
    expect(msg).toContain("docker exec -it splitbrain-r1-n1 redis-cli");
    expect(msg).toContain("docker exec -it splitbrain-r1-s1 redis-cli -p 26379");
    expect(msg).toContain("splitbrain clean --run r1");
  });
});
