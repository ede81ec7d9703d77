import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { History } from "../../src/history/op.js";
import { partitionArgs, partitionedSetHistory, testRecord, writeRunDir } from "./report-fixture.js";
import { runCli } from "./support/spawn-cli.js";

/**
 * A pipe takes 64 KiB at a time; the rest of a large --json used to be dropped when the CLI exited before stdout
 * drained. These tests read multi-megabyte --json through a real pipe from the real executable and parse it whole.
 */

const MB = 1024 * 1024;
let runDir: string;
let history: History;
let scratch: string;

/** Acknowledged adds the final read does not hold: what the set checker must call lost, worked out independently. */
function lostByConstruction(h: History): number {
  const acknowledged = h.filter((op) => op.type === "ok" && op.f === "add").map((op) => String(op.value));
  const final = h.find((op) => op.type === "ok" && op.f === "final-read")!.value as string[];
  const held = new Set(final);
  return acknowledged.filter((e) => !held.has(e)).length;
}

/**
 * A kv history of `keys` independent keys, each with a stale read (put a, put b, then get returns a): every key is
 * its own partition and its own counterexample, so the --json grows with the number of keys.
 */
function staleReadsPerKey(keys: number): string {
  const lines: string[] = [];
  let index = 0;
  for (let k = 0; k < keys; k++) {
    const steps: Array<[number, string, string, unknown]> = [
      [0, "invoke", "put", "a"],
      [0, "ok", "put", "a"],
      [1, "invoke", "put", "b"],
      [1, "ok", "put", "b"],
      [2, "invoke", "get", null],
      [2, "ok", "get", "a"],
    ];
    for (const [process, type, f, value] of steps) {
      lines.push(JSON.stringify({ index, time: (index + 1) * 10, process, type, f, key: `k${k}`, value }));
      index++;
    }
  }
  return lines.join("\n") + "\n";
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "splitbrain-pipe-"));
  history = partitionedSetHistory({ elements: 40_000, lost: 40_000 });
  runDir = (await writeRunDir(testRecord(partitionArgs), history, {}, { check: false })).dir;
}, 120_000);
afterAll(() => {
  rmSync(runDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe("--json arrives whole", { timeout: 60_000 }, () => {
  it("check <run dir> --json through a pipe: megabytes of JSON that parse, the lost writes the history implies, exit 1", async () => {
    const r = await runCli(["check", runDir, "--json"]);
    expect(r.stdout.length).toBeGreaterThan(MB);
    const out = JSON.parse(r.stdout.toString("utf8"));
    expect(out.valid).toBe(false);
    expect(out.runDir).toBe(runDir);
    const set = out.checkers.find((x: { checker: string }) => x.checker === "set");
    expect(set.result.lost).toHaveLength(lostByConstruction(history));
    expect(set.result.lost.length).toBeGreaterThan(1000);
    // The summary in words went to stderr, so stdout is only the JSON.
    expect(r.stderr).toMatch(/verdict\s+INVALID/);
    expect(r.code).toBe(1);
  }, 60_000);

  it("check <history file> --json through a pipe: one counterexample per key, all of them", async () => {
    const file = join(scratch, "stale.jsonl");
    const keys = 2000;
    writeFileSync(file, staleReadsPerKey(keys));
    const r = await runCli(["check", file, "--json"]);
    expect(r.stdout.length).toBeGreaterThan(MB);
    const out = JSON.parse(r.stdout.toString("utf8"));
    expect(out).toMatchObject({ valid: false, model: "kv", partitions: keys });
    expect(out.anomalies).toHaveLength(keys);
    expect(out.anomalies.at(-1).key).toBe(`k${keys - 1}`);
    expect(r.code).toBe(1);
  }, 60_000);

  it("check <run dir> --json > file: the file holds the whole JSON", async () => {
    const path = join(scratch, "verdict.json");
    const fd = openSync(path, "w");
    let code: number | null;
    try {
      code = (await runCli(["check", runDir, "--json"], { stdout: fd })).code;
    } finally {
      closeSync(fd);
    }
    const text = readFileSync(path, "utf8");
    expect(text.length).toBeGreaterThan(MB);
    expect(JSON.parse(text).valid).toBe(false);
    expect(code).toBe(1);
  }, 60_000);
});
