import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { partitionArgs, partitionedSetHistory, testRecord, writeRunDir } from "./report-fixture.js";

/**
 * Bad input through the built CLI (`npm run build` first): each is refused with exit 3 and one message naming the
 * file, the line and the field, never judged (exit 1/2) and never a stack trace.
 */

const bin = join(packageRoot, "bin/splitbrain.js");
let dir: string;
let historyLines: string[];

function check(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [bin, "check", ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: r.status, stderr: r.stderr };
}

function expectRefused(r: { status: number | null; stderr: string }, message: string | RegExp): void {
  expect(r.status).toBe(3);
  if (typeof message === "string") expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/TypeError|Maximum call stack|INVALID|\n\s+at /);
}

/** Rewrites one history line of the run directory: the first whose op matches `pick`. */
function withLine(
  pick: (op: Record<string, unknown>) => boolean,
  change: (op: Record<string, unknown>) => void,
): number {
  const lines = historyLines.slice();
  const i = lines.findIndex((l) => pick(JSON.parse(l)));
  const op = JSON.parse(lines[i]!);
  change(op);
  lines[i] = JSON.stringify(op);
  writeFileSync(join(dir, "history.jsonl"), lines.join("\n") + "\n");
  return i + 1;
}

beforeAll(async () => {
  ({ dir } = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory()));
  historyLines = readFileSync(join(dir, "history.jsonl"), "utf8").trimEnd().split("\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("check refuses malformed input with exit 3", () => {
  it("a valid set run directory checks (the baseline the refusals below differ from)", () => {
    writeFileSync(join(dir, "history.jsonl"), historyLines.join("\n") + "\n");
    expect(check(dir).status).toBe(1);
  });

  it('a set final read holding "oops" instead of a list', () => {
    const line = withLine(
      (op) => op.f === "final-read" && op.type === "ok",
      (op) => (op.value = "oops"),
    );
    expectRefused(
      check(dir),
      `${join(dir, "history.jsonl")}:${line}: field value of this :ok final-read is "oops", but the set workload expects a list of elements`,
    );
  });

  it('an add whose value is {"a":1}', () => {
    const line = withLine(
      (op) => op.f === "add" && op.type === "invoke",
      (op) => (op.value = { a: 1 }),
    );
    expectRefused(
      check(dir),
      `history.jsonl:${line}: field value of this :invoke add is {"a":1}, but the set workload expects one element`,
    );
  });

  it("a test.json of the wrong shape, and one cut short", () => {
    writeFileSync(join(dir, "history.jsonl"), historyLines.join("\n") + "\n");
    const testPath = join(dir, "test.json");
    const original = readFileSync(testPath, "utf8");
    try {
      writeFileSync(testPath, '{"plan":{}}');
      expectRefused(
        check(dir),
        /test\.json is not a record splitbrain can read: .*field plan\.cluster: expected object, found nothing/,
      );
      const record = JSON.parse(original);
      writeFileSync(testPath, JSON.stringify({ ...record, plan: { ...record.plan, workloads: "set" } }));
      expectRefused(
        check(dir),
        /test\.json is not a record splitbrain can read: field plan\.workloads: expected array, found "set"/,
      );
      writeFileSync(testPath, original.slice(0, original.length - 40));
      expectRefused(check(dir), /test\.json:1:\d+: not valid JSON \(the file is cut short\)/);
    } finally {
      writeFileSync(testPath, original);
    }
  });

  it("a 100k-deep line in JSON Lines and in EDN", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const jsonl = join(dir, "deep.jsonl");
    writeFileSync(
      jsonl,
      `{"process":0,"type":"invoke","f":"write","value":1}\n{"process":0,"type":"ok","f":"write","value":${deep}}\n`,
    );
    expectRefused(check(jsonl), `${jsonl}:2: this line nests lists or objects more than 1000 deep`);
    const edn = join(dir, "deep.edn");
    writeFileSync(edn, `{:process 0, :type :invoke, :f :write, :value ${deep}}\n`);
    expectRefused(check(edn), `${edn}:1: this line nests lists or objects more than 1000 deep`);
  });

  it("an empty history, and a junk file read as a Jepsen log", () => {
    const empty = join(dir, "empty.jsonl");
    writeFileSync(empty, "");
    expectRefused(check(empty), `${empty} has no operations (the file is empty)`);
    const junk = join(dir, "junk.log");
    writeFileSync(junk, "just some text\nnothing jepsen about it\n");
    expectRefused(check(junk, "--format", "jepsen-log"), `${junk} has no Jepsen op lines`);
  });

  it("a register history whose cas is not a pair, under the model check picks", () => {
    const file = join(dir, "cas.jsonl");
    writeFileSync(
      file,
      '{"process":0,"type":"invoke","f":"cas","value":3}\n{"process":0,"type":"ok","f":"cas","value":3}\n',
    );
    expectRefused(
      check(file),
      `${file}:1: field value of this :invoke cas is 3, but the register model expects [old, new]`,
    );
  });
});
