import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/exit.js";
import { BUILTIN_DIR, findScenario, loadScenarios } from "../../src/scenario/loader.js";
import { scenarioPlan } from "../../src/scenario/options.js";
import { ScenarioError, validateScenario } from "../../src/scenario/scenario.js";

const good = {
  name: "demo",
  question: "Does it lose writes?",
  engines: ["redis"],
  plan: {
    topology: "sentinel",
    workload: "set",
    nemesis: "partition",
    partition: "isolate-primary",
    timeLimit: 20,
    redisConf: "maxclients=100",
  },
  expect: { lostAcknowledged: ">0", linearizable: false },
  reasoning: ["first line", "", "second paragraph"],
  docs: [{ title: "Sentinel", url: "https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/" }],
};

function problems(raw: unknown, name?: string): string[] {
  try {
    validateScenario(raw, "scenarios/demo.json", name);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).problems;
  }
  return [];
}

describe("scenario validation", () => {
  it("accepts a complete scenario and normalises plan values to what the run options take", () => {
    const s = validateScenario(good, "scenarios/demo.json", "demo");
    expect(s.plan).toEqual({
      topology: "sentinel",
      workload: "set",
      nemesis: "partition",
      partition: "isolate-primary",
      timeLimit: "20",
      redisConf: ["maxclients=100"],
    });
    expect(s.expect.map((e) => e.figure)).toEqual(["lostAcknowledged", "linearizable"]);
    expect(s.reasoning).toBe("first line\n\nsecond paragraph");
  });

  it("names every wrong field at once, with what to write instead", () => {
    const p = problems({
      ...good,
      name: "Demo Scenario",
      engines: ["mysql"],
      plan: { topolgy: "sentinel", results: "x", partitionClients: "yes", topology: "ring" },
      expect: { lost: ">0", failed: "lots" },
      docs: [{ title: "x", url: "http://a" }],
      colour: 1,
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^colour: unknown field/),
        expect.stringMatching(/^name: takes lower-case/),
        expect.stringMatching(/^engines\[0\]: must be one of redis, valkey, dragonfly/),
        expect.stringMatching(/^plan\.topolgy: is not a run option .*camel-cased/),
        expect.stringMatching(/^plan\.results: is chosen by whoever runs the scenario/),
        expect.stringMatching(/^plan\.partitionClients: is a flag \(--partition-clients\)/),
        expect.stringMatching(/^plan\.topology: must be one of single, replicated, sentinel, cluster/),
        expect.stringMatching(/^expect\.lost: is not a figure/),
        expect.stringMatching(/^expect\.failed: "lots" is not a comparison/),
        expect.stringMatching(/^docs\[0\]: takes/),
      ]),
    );
    expect(p).toHaveLength(10);
  });

  it("requires the file name to match the scenario name", () => {
    expect(problems(good, "other")).toEqual([expect.stringMatching(/^name: is "demo" but the file is other\.json/)]);
  });

  it("refuses missing essentials and a multi-line question", () => {
    const p = problems({ name: "demo", question: "a\nb", engines: [], plan: {}, expect: {}, reasoning: "", docs: [] });
    expect(p.map((x) => x.split(":")[0])).toEqual(["question", "engines", "expect", "reasoning", "docs"]);
  });

  it("checks observations and lets expectations use them", () => {
    const s = validateScenario(
      { ...good, observe: { drops: { log: "output buffer", nodes: ["n1"] } }, expect: { drops: ">=1" } },
      "f.json",
    );
    expect(s.observe.drops).toEqual({
      kind: "log",
      label: "drops",
      pattern: "output buffer",
      file: "db.log",
      nodes: ["n1"],
    });
    const p = problems({ ...good, observe: { bad: { log: "(" }, noNode: { info: "x" }, failed: { log: "x" } } });
    expect(p).toEqual([
      expect.stringMatching(/^observe\.bad\.log: is not a valid regular expression/),
      expect.stringMatching(/^observe\.noNode\.node: names the node/),
      expect.stringMatching(/^observe\.failed: failed is a built-in figure/),
    ]);
  });

  it("checks steps", () => {
    const s = validateScenario({ ...good, steps: [{ atS: 2, command: ["DEBUG", "POPULATE", 10] }] }, "f.json");
    expect(s.steps).toEqual([{ atS: 2, target: "primary", command: ["DEBUG", "POPULATE", "10"], timeoutS: 60 }]);
    expect(problems({ ...good, steps: [{ atS: -1, command: ["PING"] }, { command: [] }] })).toEqual([
      expect.stringMatching(/^steps\[0\]\.atS:/),
      expect.stringMatching(/^steps\[1\]\.command:/),
    ]);
  });
});

describe("scenario plans", () => {
  it("become run plans: scenario options over the run defaults, command-line overrides over both", () => {
    const s = validateScenario(good, "scenarios/demo.json");
    const plan = scenarioPlan(s, { overrides: { timeLimit: "5" }, results: "/tmp/x" });
    expect(plan.cluster.topology).toBe("sentinel");
    expect(plan.timeLimitMs).toBe(5000);
    expect(plan.nemeses).toEqual(["partition"]);
    expect(plan.concurrency).toBe(10);
    expect(plan.resultsRoot).toBe("/tmp/x");
    expect(plan.cluster.settings.extra).toEqual([["maxclients", "100"]]);
  });

  it("refuses an engine the scenario does not apply to, and plan errors name the file", () => {
    const s = validateScenario(good, "scenarios/demo.json");
    expect(() => scenarioPlan(s, { db: "dragonfly" })).toThrow(/applies to redis, not dragonfly/);
    const bad = validateScenario({ ...good, plan: { topology: "single", wait: 2 } }, "scenarios/demo.json");
    expect(() => scenarioPlan(bad)).toThrow(/^scenarios\/demo\.json: plan: --wait needs replicas/);
  });
});

describe("scenario loader", () => {
  function dirWith(files: Record<string, unknown>): string {
    const d = mkdtempSync(join(tmpdir(), "sb-scenarios-"));
    const sub = join(d, "mine");
    mkdirSync(sub);
    for (const [name, content] of Object.entries(files))
      writeFileSync(join(sub, name), typeof content === "string" ? content : JSON.stringify(content));
    return sub;
  }

  it("loads the shipped catalogue without problems", () => {
    const all = loadScenarios({ cwd: tmpdir() });
    expect(all.length).toBeGreaterThanOrEqual(12);
    expect(all.every((s) => s.file.includes("scenarios"))).toBe(true);
    expect(findScenario(all, "split-brain-isolated-primary").engines).toContain("redis");
    expect(BUILTIN_DIR.endsWith("scenarios")).toBe(true);
  });

  it("adds a user's directory, and reports every broken file by name", () => {
    const dir = dirWith({
      "demo.json": good,
      "broken.json": "{ not json",
      "wrong.json": { ...good, name: "wrong", engines: "redis" },
    });
    let err: unknown;
    try {
      loadScenarios({ dirs: [dir], cwd: tmpdir() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/2 scenario file\(s\) have problems/);
    expect(msg).toMatch(/broken\.json:\n {2}is not valid JSON at line 1, column 3: /);
    expect(msg).toMatch(/wrong\.json:\n {2}engines: takes a non-empty list/);
  });

  it("refuses two scenarios with one name, and a --dir that does not exist", () => {
    const dir = dirWith({ "split-brain-isolated-primary.json": { ...good, name: "split-brain-isolated-primary" } });
    expect(() => loadScenarios({ dirs: [dir], cwd: tmpdir() })).toThrow(/already defined by/);
    expect(() => loadScenarios({ dirs: ["/nonexistent/dir"] })).toThrow(UsageError);
  });

  it("refuses a YAML scenario by name and warns about other files it does not read", () => {
    const dir = dirWith({ "demo.json": good, "other.yaml": "name: other\n", "notes.txt": "hi" });
    const warnings: string[] = [];
    let err: unknown;
    try {
      loadScenarios({ dirs: [dir], cwd: tmpdir(), onWarning: (w) => warnings.push(w) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(
      /1 scenario file\(s\) have problems:\n.*other\.yaml: scenarios are JSON files \(<name>\.json\); YAML is not read/,
    );
    expect(warnings).toEqual([`${join(dir, "notes.txt")} is not read: scenario files end in .json`]);
  });

  it("says a scenario is given by name when handed a file", () => {
    const all = loadScenarios({ cwd: tmpdir() });
    for (const path of ["mine.yaml", "./scenarios/demo.json", "dir/x"]) {
      expect(() => findScenario(all, path)).toThrow(/scenarios are given by name, not by file/);
    }
  });

  it("suggests close names for a typo", () => {
    const all = loadScenarios({ cwd: tmpdir() });
    expect(() => findScenario(all, "split-brain")).toThrow(/no scenario named "split-brain"/);
    try {
      findScenario(all, "split-brain");
    } catch (e) {
      expect((e as UsageError).hint).toMatch(/split-brain-isolated-primary/);
    }
  });
});

describe("scenarios on an existing deployment", () => {
  const onExisting = {
    ...good,
    plan: { topology: "single", workload: "set", nemesis: "client-pause" },
    existing: true,
  };

  it("may declare it only when nothing needs the nodes, and say what does", () => {
    expect(validateScenario(onExisting, "scenarios/demo.json").existing).toBe(true);
    const why = problems({ ...good, existing: true }).join("\n");
    expect(why).toContain("existing: is true, but its fault partition acts inside the nodes");
    const steps = problems({ ...onExisting, steps: [{ atS: 1, command: ["DEBUG", "SLEEP", "1"] }] }).join("\n");
    expect(steps).toContain("steps are sent from inside the nodes");
    expect(problems({ ...onExisting, existing: "yes" }).join("\n")).toContain("existing: takes true");
  });

  it("runs only where declared, on a deployment of its shape, its topology then the deployment's", () => {
    const yes = validateScenario(onExisting, "scenarios/demo.json");
    const plan = scenarioPlan(yes, { overrides: { endpoint: "redis://10.0.0.1:6379" } });
    expect(plan.existing?.kind).toBe("single");
    expect(plan.nemeses).toEqual(["client-pause"]);
    const refused = (s: typeof yes, overrides: Record<string, string>) => {
      try {
        scenarioPlan(s, { overrides });
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    expect(refused(yes, { sentinel: "10.0.0.1:26379", masterName: "m" })).toContain("reach one with --endpoint");
    const no = validateScenario(good, "scenarios/demo.json");
    expect(refused(no, { endpoint: "redis://10.0.0.1:6379" })).toContain("its fault partition acts inside the nodes");
    const undeclared = validateScenario({ ...onExisting, existing: false }, "scenarios/demo.json");
    expect(refused(undeclared, { endpoint: "redis://10.0.0.1:6379" })).toContain('does not declare "existing": true');
  });
});
