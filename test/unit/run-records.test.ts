import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LinearizabilityResult } from "../../src/checker/linearizable/index.js";
import { UsageError } from "../../src/core/exit.js";
import type { History } from "../../src/history/op.js";
import { INLINE_RESULT_BYTES, inlineSummary, writeRunResults } from "../../src/rundir/evidence.js";
import { parseJsonText } from "../../src/rundir/schemas.js";
import { checkHistory, readRunResults, readTestRecord } from "../../src/runner/checkRun.js";
import { simulatedHistory } from "../support/histories.js";
import { seededRng } from "../support/rng.js";
import { partitionArgs, partitionedSetHistory, testRecord } from "./report-fixture.js";
import { thrown } from "./support/thrown.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "splitbrain-records-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const usageError = (fn: () => unknown): UsageError => thrown(UsageError, fn);

const writeTest = (text: string) => writeFileSync(join(dir, "test.json"), text);

describe("test.json and results.json read back", () => {
  it("parses records the runner's own code builds, for several plans (the schema and the types have not drifted)", async () => {
    for (const args of [
      partitionArgs,
      ["workload", "register,set,counter,queue", "concurrency", "8", "keys", "3"],
      ["topology", "cluster", "wait", "1", "rate", "5"],
    ]) {
      const test = testRecord(args);
      writeTest(JSON.stringify(test, null, 2));
      expect(readTestRecord(dir)).toEqual(JSON.parse(JSON.stringify(test)));
      const results = await checkHistory(partitionedSetHistory(), testRecord(partitionArgs));
      writeFileSync(join(dir, "results.json"), JSON.stringify(results));
      expect(readRunResults(dir).valid).toBe(results.valid);
    }
  });

  it("lets fields it does not read pass, so newer records stay readable", () => {
    writeTest(JSON.stringify({ ...testRecord(partitionArgs), futureField: { x: 1 } }));
    expect((readTestRecord(dir) as unknown as { futureField: unknown }).futureField).toEqual({ x: 1 });
  });

  it('refuses {"plan":{}} naming the file and the missing fields', () => {
    writeTest('{"plan":{}}');
    const err = usageError(() => readTestRecord(dir));
    expect(err.message).toContain(`${join(dir, "test.json")} is not a record splitbrain can read`);
    expect(err.message).toMatch(/field tool: expected object, found nothing/);
    expect(err.message).toMatch(/field plan\.cluster: expected object, found nothing/);
  });

  it("refuses workloads that are not a list, or name no workload, by field", () => {
    const test = testRecord(partitionArgs);
    writeTest(JSON.stringify({ ...test, plan: { ...test.plan, workloads: "set" } }));
    expect(usageError(() => readTestRecord(dir)).message).toMatch(
      /field plan\.workloads: expected array, found "set"$/,
    );
    writeTest(JSON.stringify({ ...test, plan: { ...test.plan, workloads: ["sets"] } }));
    expect(usageError(() => readTestRecord(dir)).message).toMatch(
      /field plan\.workloads\[0\]: expected a workload: register, set, counter, queue(, [a-z-]+)*, found "sets"/,
    );
    writeTest(JSON.stringify({ ...test, plan: { ...test.plan, slots: ["set"], concurrency: 2 } }));
    expect(usageError(() => readTestRecord(dir)).message).toMatch(
      /field plan\.slots: expected one workload per client/,
    );
  });

  it("refuses a truncated test.json naming file, line and column, and says it is cut short", () => {
    const text = JSON.stringify(testRecord(partitionArgs), null, 2);
    writeTest(text.slice(0, 200));
    const err = usageError(() => readTestRecord(dir));
    expect(err.message).toMatch(
      new RegExp(
        `^${join(dir, "test.json").replace(/[.\\/-]/g, "\\$&")}:\\d+:\\d+: not valid JSON \\(the file is cut short\\)`,
      ),
    );
    expect(err.hint).toMatch(/splitbrain run/);
  });

  it("refuses a results.json of the wrong shape and says how to rebuild it", () => {
    writeFileSync(
      join(dir, "results.json"),
      JSON.stringify({ valid: "maybe", summary: [], checkers: [{}], stats: {} }),
    );
    const err = usageError(() => readRunResults(dir));
    expect(err.message).toMatch(/results\.json is not a record splitbrain can read: field valid: .*found "maybe"/);
    expect(err.message).toMatch(/field checkers\[0\]\.workload: expected string/);
    expect(err.hint).toBe(`results.json is rebuilt from the run's history by: splitbrain check ${dir}`);
  });

  it("refuses empty files and deep nesting by name, before parsing", () => {
    expect(usageError(() => parseJsonText("", "t.json", "h")).message).toMatch(
      /^t\.json: not valid JSON \(the file is empty\)/,
    );
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(usageError(() => parseJsonText(deep, "t.json", "h")).message).toBe(
      "t.json nests lists or objects more than 1000 deep, which no splitbrain record does",
    );
  });
});

describe("evidence files beside results.json", () => {
  const big = () => ({
    valid: false as const,
    summary: { lines: ["set/set: INVALID (50000 element(s) lost)"] },
    checkers: [
      { workload: "register", checker: "linearizable", result: { valid: true as const, reason: "small" } },
      {
        workload: "set",
        checker: "set",
        result: {
          valid: false as const,
          reason: "50000 element(s) lost",
          lost: Array.from({ length: 50_000 }, (_, i) => ({
            key: "set:{0}",
            element: String(i),
            knownBy: { op: i, how: "ack" },
          })),
        },
      },
    ],
    stats: { ops: 1, checkMs: 1 },
  });

  it("moves a large result to evidence/<workload>-<checker>.json and keeps counts, examples and the file's name", () => {
    const results = big();
    writeRunResults(dir, results);
    expect(statSync(join(dir, "results.json")).size).toBeLessThan(INLINE_RESULT_BYTES * 2);
    const inline = readRunResults(dir);
    expect(inline.checkers[0]).toEqual(results.checkers[0]);
    const set = inline.checkers[1]!;
    expect(set.evidence).toEqual({ file: "evidence/set-set.json", lists: { lost: 50_000 } });
    expect((set.result as unknown as { lost: unknown[] }).lost).toEqual(results.checkers[1]!.result.lost!.slice(0, 20));
    expect(set.result.reason).toBe("50000 element(s) lost");
    expect(readRunResults(dir, { evidence: "full" }).checkers[1]!.result).toEqual(results.checkers[1]!.result);
  });

  it("reads a results.json that holds every piece of evidence inline (written before evidence files)", () => {
    const results = big();
    writeFileSync(join(dir, "results.json"), JSON.stringify(results));
    expect(readRunResults(dir, { evidence: "full" })).toEqual(results);
    expect(readRunResults(dir)).toEqual(results);
  });

  it("removes an evidence file once its checker's result is small again, and says which file is missing", () => {
    writeRunResults(dir, big());
    expect(existsSync(join(dir, "evidence/set-set.json"))).toBe(true);
    rmSync(join(dir, "evidence/set-set.json"));
    expect(usageError(() => readRunResults(dir, { evidence: "full" })).message).toContain("evidence/set-set.json");
    writeRunResults(dir, big());
    const small = big();
    small.checkers[1]!.result.lost = [];
    writeRunResults(dir, small);
    expect(existsSync(join(dir, "evidence/set-set.json"))).toBe(false);
    expect(readRunResults(dir).checkers[1]!.evidence).toBeUndefined();
  });

  it("shortens nested lists too, until the entry is small", () => {
    const rows = Array.from({ length: 30 }, (_, p) => ({
      process: p,
      ops: Array.from({ length: 2000 }, (_, i) => ({ id: i, description: "write 1" })),
    }));
    const { result, evidence } = inlineSummary(
      { valid: false, anomalies: [{ key: "k", rows }] } as never,
      "evidence/x.json",
    );
    expect(JSON.stringify(result).length).toBeLessThanOrEqual(INLINE_RESULT_BYTES);
    expect(evidence.lists["anomalies.0.rows"]).toBe(30);
    expect(evidence.lists["anomalies.0.rows.0.ops"]).toBe(2000);
  });
});

describe("a run's text summary", () => {
  /**
   * A register-only run (processes 0 and 1): first an easy key, a write and a read of it, then a hard one, 4000
   * ops of 40 processes with many indeterminate, which no search decides within a millisecond.
   */
  function registerHistory(): History {
    const easy: History = [
      { index: 0, time: 1, process: 0, type: "invoke", f: "write", key: "register:{0}", value: 1 },
      { index: 1, time: 2, process: 0, type: "ok", f: "write", key: "register:{0}", value: 1 },
      { index: 2, time: 3, process: 0, type: "invoke", f: "read", key: "register:{0}" },
      { index: 3, time: 4, process: 0, type: "ok", f: "read", key: "register:{0}", value: 1 },
    ];
    const hard = simulatedHistory("register", seededRng(7), {
      processes: 40,
      ops: 4000,
      infoRate: 0.3,
      meanDuration: 80,
    });
    return [
      ...easy,
      ...hard.map((op, i) => ({ ...op, index: easy.length + i, time: 10 + (op.time ?? i), key: "register:{1}" })),
    ];
  }

  it("lists the keys the time budget left undecided under the checker's line; the decided keep their verdicts", async () => {
    const test = testRecord(["workload", "register", "concurrency", "2"]);
    const late = await checkHistory(registerHistory(), test, 1);
    expect(late.valid).toBe("unknown");
    const lines = late.summary.lines;
    expect(lines[0]).toMatch(/^register\/linearizable: unknown \(the search timed out .* 1 partition\(s\) undecided/);
    expect(lines.slice(1)).toEqual([
      "  undecided: 1 partition(s)",
      expect.stringMatching(/^ {4}key "register:\{1\}": \d+ ops, out of time$/),
    ]);
    const lin = late.checkers[0]!.result as LinearizabilityResult;
    expect(lin.partitions).toBe(2);
  });

  it("lists nothing undecided when every key was decided", async () => {
    const test = testRecord(["workload", "register", "concurrency", "2"]);
    const decided = await checkHistory(registerHistory().slice(0, 4), test);
    expect(decided.valid).toBe(true);
    expect(decided.summary.lines).toEqual([expect.stringMatching(/^register\/linearizable: valid/)]);
  });
});
