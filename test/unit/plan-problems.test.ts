import { describe, expect, it } from "vitest";
import { planFromOptions } from "../../src/runner/plan.js";
import { MAX_TIMER_MS } from "../../src/runner/sleep.js";
import { runOptions as options, refusal } from "./support/runPlan.js";

describe("plan validation before Docker: replica counts", () => {
  it("refuses --wait for more replicas than the topology has, naming --wait and --replicas", () => {
    const msg = refusal(["--wait", "5"]);
    expect(msg).toContain("--wait 5");
    expect(msg).toContain("2 replica(s)");
    expect(msg).toContain("--replicas");
    expect(refusal(["--wait", "3", "--topology", "cluster"])).toMatch(/--wait 3 .*cluster has 1 replica/);
    expect(refusal(["--wait", "1", "--topology", "single"])).toMatch(/^--wait needs replicas: --topology single/);
  });

  it("accepts --wait up to the replica count", () => {
    expect(planFromOptions(options(["--wait", "2"])).durability).toMatchObject({ kind: "wait", replicas: 2 });
    expect(planFromOptions(options(["--wait", "4", "--replicas", "4"])).durability).toMatchObject({ replicas: 4 });
  });

  it("refuses --waitaof numreplicas above the replicas, and a local fsync without AOF", () => {
    expect(refusal(["--waitaof", "0", "3", "--topology", "replicated"])).toMatch(
      /--waitaof 0 3 .*--topology replicated has 2 replica/,
    );
    expect(refusal(["--waitaof", "1", "1"])).toMatch(/--waitaof 1 1 .*needs --appendonly yes/);
    expect(planFromOptions(options(["--waitaof", "1", "2", "--appendonly", "yes"])).durability).toMatchObject({
      kind: "waitaof",
    });
  });

  it("refuses --min-replicas-to-write above the replicas", () => {
    expect(() => planFromOptions(options(["--min-replicas-to-write", "3"]))).toThrow(
      /--min-replicas-to-write 3 exceeds the 2 replica/,
    );
  });
});

describe("plan validation before Docker: node names and faults the topology cannot take", () => {
  it("refuses --target naming a node the topology does not have, listing the ones it has", () => {
    const msg = refusal(["--target", "n99"]);
    expect(msg).toMatch(/^--target n99: no node named n99 \(nodes: n1, n2, n3, s1, s2, s3\)/);
    // kill, pause and restart all read --target: the one problem is said once, not once per fault.
    expect(refusal(["--target", "n7", "--nemesis", "kill,pause,restart"]).match(/--target n7/g)).toHaveLength(1);
    expect(planFromOptions(options(["--target", "n2,s1"])).nemesisOptions.target).toEqual({ nodes: ["n2", "s1"] });
  });

  it("refuses an explicit grudge naming an unknown node, naming --partition", () => {
    expect(refusal(["--partition", "n1:n9"])).toMatch(/^--partition n1 drops n9: no node named n9/);
    expect(refusal(["--partition", "bridge", "--topology", "replicated", "--replicas", "1"])).toMatch(
      /^--partition bridge: a bridge needs at least 3 nodes/,
    );
  });

  it("refuses partition and failover on a single node before anything starts", () => {
    expect(refusal(["--topology", "single", "--nemesis", "partition"])).toMatch(
      /^--nemesis partition .*--topology single has 1/,
    );
    expect(refusal(["--topology", "single", "--nemesis", "failover"])).toMatch(
      /^--nemesis failover needs a replica to promote/,
    );
    expect(refusal(["--topology", "single", "--nemesis", "kill", "--target", "replicas"])).toMatch(
      /^--target replicas: a single node has no replicas/,
    );
    expect(refusal(["--topology", "single", "--nemesis", "pause", "--target", "minority"])).toMatch(
      /^--target minority: 1 node\(s\) have no minority/,
    );
  });

  it("accepts what every topology can take", () => {
    expect(planFromOptions(options(["--topology", "single"])).nemeses).toEqual(["kill"]);
    expect(
      planFromOptions(
        options(["--topology", "cluster", "--nemesis", "failover,partition", "--partition", "majorities-ring"]),
      ).nemeses,
    ).toEqual(["failover", "partition"]);
  });

  it("lists every problem at once", () => {
    const msg = refusal(["--wait", "5", "--target", "n99", "--time-limit", "2592000"]);
    for (const flag of ["--wait 5", "--target n99", "--time-limit 2592000"]) expect(msg).toContain(flag);
  });
});

describe("plan validation before Docker: durations within what a timer holds", () => {
  const maxS = Math.floor(MAX_TIMER_MS / 1000);

  it("refuses every duration flag above 2^31-1 ms, naming the flag and the limit", () => {
    for (const [flag, value] of [
      ["--time-limit", "2592000"],
      ["--recovery-time", "2592000"],
      ["--nemesis-interval", "2592000"],
      ["--check-timeout", "2592000"],
      ["--op-timeout", String(MAX_TIMER_MS + 1)],
    ] as const) {
      const msg = refusal([flag, value]);
      expect(msg).toContain(`${flag} ${value}`);
      expect(msg).toMatch(new RegExp(`at most (${maxS} s|${MAX_TIMER_MS} ms)`));
    }
    expect(refusal(["--wait", "1", "--wait-timeout", String(MAX_TIMER_MS + 1)])).toContain(
      `--wait-timeout ${MAX_TIMER_MS + 1}`,
    );
    expect(refusal(["--op-timeout", "1000000000", "--wait", "1", "--wait-timeout", "1000000000"])).toMatch(
      /--op-timeout 1000000000 with --wait-timeout 1000000000/,
    );
  });

  it("accepts the longest duration a timer holds", () => {
    expect(planFromOptions(options(["--time-limit", String(maxS)])).timeLimitMs).toBe(maxS * 1000);
  });
});
