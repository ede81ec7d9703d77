import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SHARD_FILE, shardManifest } from "../../src/core/shard.js";
import { mergeShards } from "../../src/scenario/merge.js";
import { type SuiteRow, suiteRunId } from "../../src/scenario/suite.js";
import { readSuiteJson, writeSuiteOutputs } from "../../src/scenario/suiteFiles.js";

/** Shard directories as `suite --shard` leaves them (rows, run directories, shard.json), merged without Docker. */
const root = mkdtempSync(join(tmpdir(), "splitbrain-merge-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SCENARIOS = ["alpha", "beta", "gamma"];

function shardDir(name: string, k: number, n: number, identity: Record<string, unknown> = { definitions: { x: 1 } }) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const all = SCENARIOS.map((s) => suiteRunId(s, 1));
  const m = shardManifest({ kind: "suite", identity, version: "0.1.0", shard: { k, n }, allRuns: all });
  writeFileSync(join(dir, SHARD_FILE), JSON.stringify(m));
  const rows: SuiteRow[] = m.runs.map((id) => {
    const scenario = id.split("#")[0]!;
    // The path recorded on the machine that ran it; the merge finds the directory by name inside the shard.
    const run = join(dir, `run-${scenario}`);
    mkdirSync(run);
    writeFileSync(join(run, "report.html"), `<p>${scenario}</p>`);
    return {
      scenario,
      question: "?",
      expected: "lost = 0",
      repeat: 1,
      status: "matched",
      conditions: [],
      runDir: `/elsewhere/${name}/run-${scenario}`,
      figures: { lossWindowS: 0 },
    };
  });
  writeSuiteOutputs(dir, rows, {
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, k)).toISOString(),
    seconds: 30,
    command: "x",
  });
  return { dir, manifest: m };
}

describe("splitbrain merge of suite shards", () => {
  it("joins two shards into one suite in plan order, copying each run and linking its report", () => {
    const a = shardDir("a/suite-1", 1, 2);
    const b = shardDir("b/suite-1", 2, 2);
    const out = join(root, "merged");
    const r = mergeShards([b.dir, a.dir], out);
    expect(r.rows!.map((x) => x.scenario)).toEqual(SCENARIOS);
    const saved = readSuiteJson(out, "test").suite;
    expect(saved.rows.length).toBe(3);
    expect(saved.shard).toMatch(/merged from 2 shard\(s\) of plan [0-9a-f]{16}/);
    expect(saved.seconds).toBe(60 + 30);
    expect((readFileSync(join(out, "junit.xml"), "utf8").match(/<testcase /g) ?? []).length).toBe(3);
    const html = readFileSync(join(out, "suite.html"), "utf8");
    for (const s of SCENARIOS) {
      expect(existsSync(join(out, `run-${s}`, "report.html"))).toBe(true);
      expect(html).toContain(`href="run-${s}/report.html"`);
    }
    // A merged directory is never written over.
    expect(() => mergeShards([a.dir, b.dir], out)).toThrow(/already holds suite.json/);
  });

  it("refuses shards of different plans, naming the field", () => {
    const a = shardDir("c/suite-1", 1, 2, { definitions: { x: 1 } });
    const b = shardDir("d/suite-1", 2, 2, { definitions: { x: 2 } });
    expect(() => mergeShards([a.dir, b.dir], join(root, "m2"))).toThrow(/definitions differs/);
    expect(existsSync(join(root, "m2"))).toBe(false);
  });

  it("refuses a shard that did not finish, naming its missing runs", () => {
    const a = shardDir("e/suite-1", 1, 2);
    const b = shardDir("f/suite-1", 2, 2);
    const s = readSuiteJson(b.dir, "test").suite;
    writeSuiteOutputs(b.dir, [], s);
    expect(() => mergeShards([a.dir, b.dir], join(root, "m3"))).toThrow(
      /shard 2\/2 \(.*f\/suite-1\) has no result for run\(s\) beta#001: it did not finish/,
    );
  });

  it("refuses a directory without shard.json", () => {
    const plain = join(root, "plain");
    mkdirSync(plain);
    expect(() => mergeShards([plain], join(root, "m4"))).toThrow(/not a shard directory \(no shard.json\)/);
  });
});
