import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { optionSpecs, targetOptions } from "../../src/compare/options.js";
import { planRuns } from "../../src/compare/session.js";
import { crossTargets, matrixCells, parseDbList, parseMatrixAxis, parseSettings } from "../../src/compare/targets.js";
import { UsageError } from "../../src/core/exit.js";
import { addRunOptions, type RunOptions } from "../../src/runner/plan.js";

const cmd = addRunOptions(new Command("t"));
const specs = optionSpecs(cmd);

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error("expected a UsageError");
}

describe("optionSpecs reads the run options back from commander", () => {
  it("knows values, flags, lists, repeatables and choices", () => {
    const by = new Map(specs.map((s) => [s.name, s]));
    expect(by.get("min-replicas-to-write")).toMatchObject({ attr: "minReplicasToWrite", kind: "value" });
    expect(by.get("partition-clients")).toMatchObject({ kind: "flag" });
    expect(by.get("waitaof")).toMatchObject({ kind: "list" });
    expect(by.get("redis-conf")).toMatchObject({ kind: "repeatable" });
    expect(by.get("appendfsync")).toMatchObject({ kind: "value", choices: ["always", "everysec", "no"] });
  });
});

describe("--db lists", () => {
  it("parses engines with and without @version", () => {
    expect(parseDbList("redis@7.0, redis@8.0,valkey@9.1,dragonfly")).toEqual([
      { label: "redis@7.0", overrides: { db: "redis", version: "7.0" } },
      { label: "redis@8.0", overrides: { db: "redis", version: "8.0" } },
      { label: "valkey@9.1", overrides: { db: "valkey", version: "9.1" } },
      { label: "dragonfly", overrides: { db: "dragonfly" } },
    ]);
  });

  it("refuses unknown engines, malformed versions and duplicates, naming each", () => {
    const msg = usage(() => parseDbList("redis@7.x,mongo,valkey@1@2"));
    expect(msg).toContain('"redis@7.x": the version after @');
    expect(msg).toContain('"mongo" is not an engine');
    expect(msg).toContain("more than one @");
    expect(usage(() => parseDbList("redis,redis"))).toContain('"redis" twice');
    expect(usage(() => parseDbList(" , "))).toContain("--db takes engines");
  });
});

describe("--against settings", () => {
  it("maps run option names to commander attributes", () => {
    expect(parseSettings("wait=2,min-replicas-to-write=1", specs)).toEqual({
      label: "wait=2,min-replicas-to-write=1",
      overrides: { wait: "2", minReplicasToWrite: "1" },
    });
  });

  it("keeps commas inside a value, takes bare flags, lists and repeatables", () => {
    const t = parseSettings(
      "workload=set,counter,partition-clients,waitaof=1 1,redis-conf=hz 100,redis-conf=lazyfree-lazy-eviction yes",
      specs,
    );
    expect(t.overrides).toEqual({
      workload: "set,counter",
      partitionClients: true,
      waitaof: ["1", "1"],
      redisConf: ["hz 100", "lazyfree-lazy-eviction yes"],
    });
  });

  it("wait=0 removes WAIT instead of asking for a WAIT run cannot take", () => {
    expect(parseSettings("wait=0", specs).overrides).toEqual({ wait: undefined });
    const opts = targetOptions({ wait: "2", workload: "set" } as RunOptions, { wait: undefined });
    expect("wait" in opts).toBe(false);
  });

  it("refuses unknown names (with a suggestion), bad choices, repeats and settings that are not the plan", () => {
    expect(usage(() => parseSettings("replicas-to-write=1", specs))).toContain("did you mean min-replicas-to-write");
    expect(usage(() => parseSettings("appendfsync=sometimes", specs))).toContain(
      "appendfsync takes one of always, everysec, no",
    );
    expect(usage(() => parseSettings("wait=1,wait=2", specs))).toContain("wait is set twice");
    expect(usage(() => parseSettings("results=/tmp/x", specs))).toContain("--results cannot differ");
    expect(usage(() => parseSettings("seed=4", specs))).toContain("--seed cannot differ");
    expect(usage(() => parseSettings("partition-clients=maybe", specs))).toContain("is a flag");
  });

  it("pairs every --db target with every --against", () => {
    const t = crossTargets(parseDbList("redis,valkey"), [
      parseSettings("wait=1", specs),
      parseSettings("wait=2", specs),
    ]);
    expect(t.map((x) => x.label)).toEqual(["redis wait=1", "redis wait=2", "valkey wait=1", "valkey wait=2"]);
    expect(t[3]!.overrides).toEqual({ db: "valkey", wait: "2" });
    expect(crossTargets([], [parseSettings("wait=1", specs)]).map((x) => x.label)).toEqual(["wait=1"]);
  });
});

describe("--matrix", () => {
  it("takes one setting and its values, and the cells are the product, first axis slowest", () => {
    const axes = [parseMatrixAxis("wait=0,1,2", specs), parseMatrixAxis("min-replicas-to-write=0,1", specs)];
    expect(axes[0]).toEqual({ name: "wait", values: ["0", "1", "2"] });
    const cells = matrixCells(axes, specs);
    expect(cells.map((c) => c.label)).toEqual([
      "wait=0 min-replicas-to-write=0",
      "wait=0 min-replicas-to-write=1",
      "wait=1 min-replicas-to-write=0",
      "wait=1 min-replicas-to-write=1",
      "wait=2 min-replicas-to-write=0",
      "wait=2 min-replicas-to-write=1",
    ]);
    expect(cells[3]!.overrides).toEqual({ wait: "1", minReplicasToWrite: "1" });
    expect(cells[0]!.overrides).toEqual({ wait: undefined, minReplicasToWrite: "0" });
  });

  it("refuses malformed axes, repeated values, unknown names and an axis given twice", () => {
    expect(usage(() => parseMatrixAxis("wait", specs))).toContain("name=value1,value2");
    expect(usage(() => parseMatrixAxis("wait=", specs))).toContain("name=value1,value2");
    expect(usage(() => parseMatrixAxis("wait=1,1", specs))).toContain("lists a value twice");
    expect(usage(() => parseMatrixAxis("appendfsync=always,never", specs))).toContain("appendfsync takes one of");
    expect(usage(() => parseMatrixAxis("nope=1,2", specs))).toContain('"nope" is not a run option');
    const a = parseMatrixAxis("wait=0,1", specs);
    expect(usage(() => matrixCells([a, a], specs))).toContain("given twice");
  });
});

describe("planRuns: one validated plan per target and repeat", () => {
  const base = {
    ...(cmd.opts() as RunOptions),
    seed: "100",
    timeLimit: "5",
    workload: "set",
    nemesis: "partition",
    partition: "isolate-primary",
  };
  // cmd.opts() holds commander's defaults only after parsing; parse nothing to get them.
  cmd.parse([], { from: "user" });
  const defaults = { ...(cmd.opts() as RunOptions), ...base } as RunOptions & { seed: string };

  it("gives every target the same plan except its settings, and repeat r the seed + r - 1", () => {
    const cells = matrixCells([parseMatrixAxis("wait=0,2", specs)], specs);
    const runs = planRuns(defaults, cells, "/tmp/out", 2);
    expect(runs.map((r) => [r.label, r.repeat, r.plan.seed])).toEqual([
      ["wait=0", 1, 100],
      ["wait=2", 1, 100],
      ["wait=0", 2, 101],
      ["wait=2", 2, 101],
    ]);
    expect(runs[0]!.plan.durability.kind).toBe("primary");
    expect(runs[1]!.plan.durability).toMatchObject({ kind: "wait", replicas: 2 });
    expect(runs.every((r) => r.plan.resultsRoot === "/tmp/out" && r.plan.timeLimitMs === 5000)).toBe(true);
  });

  it("names the target whose options are not a valid run", () => {
    const msg = usage(() =>
      planRuns(
        defaults,
        [parseSettings("wait=2", specs), { label: "single", overrides: { topology: "single", wait: "1" } }],
        "/tmp/out",
      ),
    );
    expect(msg).toContain("single: --wait needs replicas");
    expect(msg).not.toContain("wait=2:");
  });
});
