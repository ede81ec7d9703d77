import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { addClusterOptions, type ClusterOptions, clusterSpecFromOptions } from "../../src/cluster/options.js";
import { UsageError } from "../../src/core/exit.js";
import { dataSizeBytes, redisSizeBytes } from "../../src/topology/sizes.js";
import { isSavePoints } from "../../src/topology/spec.js";

/** Parses a command line the way `run` would, through the shared option definitions. */
function parse(args: string[]): ClusterOptions {
  const cmd = addClusterOptions(new Command("run"))
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  cmd.parse(args, { from: "user" });
  return cmd.opts<ClusterOptions>();
}

function problemOf(args: string[]): string {
  try {
    clusterSpecFromOptions(parse(args));
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`expected ${args.join(" ")} to be refused`);
}

describe("cluster options -> ClusterSpec", () => {
  it("defaults to Redis with Sentinel: 2 replicas, 3 Sentinels, majority quorum, second-scale timeouts", () => {
    const spec = clusterSpecFromOptions(parse([]));
    expect(spec.db).toBe("redis");
    expect(spec.topology).toBe("sentinel");
    expect(spec.replicas).toBe(2);
    expect(spec.sentinel).toEqual({
      count: 3,
      colocated: false,
      quorum: 2,
      downAfterMs: 3000,
      failoverTimeoutMs: 10000,
    });
    expect(spec.dataSizeBytes).toBe(256 * 1024 * 1024);
    expect(spec.settings.appendonly).toBeUndefined();
  });

  it("picks per-topology replica defaults", () => {
    expect(clusterSpecFromOptions(parse(["--topology", "single"])).replicas).toBe(0);
    expect(clusterSpecFromOptions(parse(["--topology", "cluster"])).replicas).toBe(1);
    expect(clusterSpecFromOptions(parse(["--topology", "replicated"])).replicas).toBe(2);
  });

  it("parses every audited setting", () => {
    const spec = clusterSpecFromOptions(
      parse([
        "--appendonly",
        "--appendfsync",
        "always",
        "--save",
        "900 1 300 10",
        "--min-replicas-to-write",
        "1",
        "--min-replicas-max-lag",
        "5",
        "--maxmemory",
        "100mb",
        "--maxmemory-policy",
        "allkeys-lru",
        "--repl-backlog-size",
        "1mb",
        "--redis-conf",
        "hz=50",
        "--redis-conf",
        "repl-diskless-sync=yes",
      ]),
    );
    expect(spec.settings).toEqual({
      appendonly: true,
      appendfsync: "always",
      save: "900 1 300 10",
      minReplicasToWrite: 1,
      minReplicasMaxLag: 5,
      maxmemory: "100mb",
      maxmemoryPolicy: "allkeys-lru",
      replBacklogSize: "1mb",
      extra: [
        ["hz", "50"],
        ["repl-diskless-sync", "yes"],
      ],
    });
    expect(clusterSpecFromOptions(parse(["--appendonly", "no"])).settings.appendonly).toBe(false);
  });

  it("refuses nonsense with a message naming the option and what to do", () => {
    expect(problemOf(["--topology", "single", "--replicas", "2"])).toMatch(/single has no replicas.*replicated/);
    expect(problemOf(["--appendfsync", "always"])).toMatch(/no effect without --appendonly yes/);
    expect(problemOf(["--save", "900"])).toMatch(/--save takes pairs/);
    expect(problemOf(["--min-replicas-to-write", "3"])).toMatch(/exceeds the 2 replica/);
    expect(problemOf(["--quorum", "4"])).toMatch(/--quorum must be from 1 to the number of Sentinels \(3\)/);
    expect(problemOf(["--topology", "cluster", "--sentinels", "5"])).toMatch(/only applies to --topology sentinel/);
    expect(problemOf(["--maxmemory", "lots"])).toMatch(/--maxmemory takes a size/);
    expect(problemOf(["--redis-conf", "port=7000"])).toMatch(/not allowed: the tool fixes ports/);
    expect(problemOf(["--redis-conf", "noequals"])).toMatch(/takes key=value/);
    expect(problemOf(["--replicas", "two"])).toMatch(/--replicas takes a whole number/);
    expect(problemOf(["--data-size", "1m"])).toMatch(/at least 16m/);
    expect(problemOf(["--sentinels-colocated", "--sentinels", "5"])).toMatch(/3 data nodes for 5 Sentinels/);
    expect(problemOf(["--proactor-threads", "2"])).toMatch(/only applies to --db dragonfly, not Redis/);
  });

  it("lists several problems at once", () => {
    expect(problemOf(["--save", "x", "--maxmemory", "y"])).toMatch(/2 problems/);
  });

  it("rejects unknown choices at parse time", () => {
    expect(() => parse(["--appendfsync", "sometimes"])).toThrow(/Allowed choices/);
    expect(() => parse(["--db", "memcached"])).toThrow(/Allowed choices/);
  });

  it("refuses what Dragonfly lacks before anything starts, with the reason", () => {
    expect(problemOf(["--db", "dragonfly", "--topology", "cluster"])).toMatch(
      /Dragonfly's cluster mode is out of scope/,
    );
    expect(problemOf(["--db", "dragonfly", "--appendonly", "yes"])).toMatch(/Dragonfly has no append-only file/);
    expect(problemOf(["--db", "dragonfly", "--min-replicas-to-write", "1"])).toMatch(/Dragonfly has no min-replicas/);
    expect(problemOf(["--db", "dragonfly", "--save", "60 1"])).toMatch(/--snapshot-cron/);
    expect(problemOf(["--db", "dragonfly", "--redis-conf", "hz=10"])).toMatch(/--dragonfly-flag/);
    const ok = clusterSpecFromOptions(parse(["--db", "dragonfly", "--maxmemory", "512mb", "--proactor-threads", "2"]));
    expect(ok.dragonfly.proactorThreads).toBe(2);
  });
});

describe("sizes and save points", () => {
  it("reads Redis sizes in Redis's own units", () => {
    expect(redisSizeBytes("1k")).toBe(1000);
    expect(redisSizeBytes("1kb")).toBe(1024);
    expect(redisSizeBytes("2GB")).toBe(2 * 1024 ** 3);
    expect(() => redisSizeBytes("1tb")).toThrow();
  });
  it("reads tmpfs sizes in binary units", () => {
    expect(dataSizeBytes("256m")).toBe(256 * 1024 ** 2);
    expect(dataSizeBytes("1g")).toBe(1024 ** 3);
    expect(dataSizeBytes("64MiB")).toBe(64 * 1024 ** 2);
    expect(dataSizeBytes("big")).toBeUndefined();
  });
  it("accepts save points in pairs, or empty to disable", () => {
    expect(isSavePoints("")).toBe(true);
    expect(isSavePoints("900 1 300 10")).toBe(true);
    expect(isSavePoints("900")).toBe(false);
    expect(isSavePoints("900 0")).toBe(false);
  });
});
