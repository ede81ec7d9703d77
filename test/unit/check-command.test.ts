import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { packageRoot } from "../../src/core/paths.js";
import { opToJsonLine } from "../../src/history/jsonl.js";
import { simulatedHistory } from "../support/histories.js";
import { seededRng } from "../support/rng.js";

const fixtures = join(packageRoot, "test/fixtures/histories");
let dir: string;
let stdout: string;
let stderr: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "splitbrain-check-"));
  stdout = "";
  stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation(
    (chunk: string | Uint8Array) => ((stdout += String(chunk)), true),
  );
  vi.spyOn(process.stderr, "write").mockImplementation(
    (chunk: string | Uint8Array) => ((stderr += String(chunk)), true),
  );
});
afterEach(() => {
  vi.restoreAllMocks();
  // The command reports through process.exitCode; the test runner must not inherit it.
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function check(...args: string[]): Promise<number> {
  process.exitCode = undefined;
  return main(["node", "splitbrain", "check", ...args]);
}

describe("splitbrain check", () => {
  it("exits 0 on a linearizable history and says so on stdout (the command's answer), nothing on stderr", async () => {
    expect(await check(join(fixtures, "register.jsonl"))).toBe(0);
    expect(stdout).toMatch(/verdict\s+linearizable: all 4 operations/);
    expect(stdout).toMatch(/model\s+register \(detected from the ops\)/);
    expect(stderr).toBe("");
  });

  it("exits 1 on a stale read, explaining the counterexample with file lines", async () => {
    expect(await check(join(fixtures, "stale-read.jsonl"))).toBe(1);
    expect(stdout).toMatch(/NOT linearizable/);
    expect(stdout).toMatch(/op 4 \(process 2\) read -> "?1"?: impossible in state/);
    expect(stdout).toMatch(/op 4 is line 5/);
  });

  it("prints one JSON object with the verdict and evidence under --json", async () => {
    expect(await check(join(fixtures, "stale-read.jsonl"), "--json")).toBe(1);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ valid: false, model: "register", ops: 3, partitions: 1, format: "jsonl" });
    expect(out.anomalies).toHaveLength(1);
    expect(out.anomalies[0].blockedBy).toBe(4);
    expect(typeof out.stats.checkMs).toBe("number");

    stdout = "";
    expect(await check(join(fixtures, "independent.edn"), "--json", "--model", "register")).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ valid: true, partitions: 2, format: "edn", modelChosen: "given" });
  });

  it("reads Jepsen logs and records, and warns about a cut-short last line", async () => {
    expect(await check(join(fixtures, "jepsen.log"), "--format", "jepsen-log")).toBe(0);
    expect(await check(join(fixtures, "records.edn"))).toBe(0);
    expect(await check(join(fixtures, "truncated.jsonl"))).toBe(0);
    expect(stderr).toMatch(/warning: .*truncated\.jsonl:9: the last line is cut short/);
  });

  it("checks a run directory through its history.jsonl", async () => {
    writeFileSync(join(dir, "history.jsonl"), readFileSync(join(fixtures, "stale-read.jsonl")));
    expect(await check(dir, "--json")).toBe(1);
    expect(JSON.parse(stdout).file).toBe(join(dir, "history.jsonl"));

    const empty = join(dir, "empty-run");
    mkdirSync(empty);
    expect(await check(empty)).toBe(3);
    expect(stderr).toMatch(/empty-run is a directory without a history\.jsonl/);
  });

  it("rejects bad input with one line naming file, line and expectation, exit 3, no stack trace", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"read","value":1\n');
    expect(await check(bad, "--json")).toBe(3);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines[0]).toMatch(
      new RegExp(`^error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2: expected one JSON object per line`),
    );
    expect(stderr).not.toMatch(/\n\s+at /);

    stderr = "";
    expect(await check(join(fixtures, "register.jsonl"), "--format", "edn")).toBe(3);
    expect(stderr).toMatch(/register\.jsonl:1: /);

    stderr = "";
    expect(await check(join(dir, "missing.edn"))).toBe(3);
    expect(stderr).toMatch(/missing\.edn: no such file or directory/);
  });

  it("rejects bad options with exit 3", async () => {
    const h = join(fixtures, "register.jsonl");
    expect(await check(h, "--timeout", "soon")).toBe(3);
    expect(stderr).toMatch(/--timeout must be a positive number of seconds/);
    expect(await check(h, "--timeout", "0")).toBe(3);
    expect(await check(h, "--model", "queue")).toBe(3);
    expect(await check(h, "--format", "csv")).toBe(3);
    expect(await check()).toBe(3);
  });

  it("exits 2 with the reason when the search runs out of time", async () => {
    const history = simulatedHistory("register", seededRng(7), {
      processes: 40,
      ops: 4000,
      infoRate: 0.3,
      meanDuration: 80,
    });
    const file = join(dir, "hard.jsonl");
    writeFileSync(file, history.map((op) => opToJsonLine(op) + "\n").join(""));
    expect(await check(file, "--timeout", "0.001", "--json")).toBe(2);
    const out = JSON.parse(stdout);
    expect(out.valid).toBe("unknown");
    expect(out.reason).toMatch(/timed out/);
    expect(stderr).toMatch(/undecided: the search timed out/);
    expect(stderr).toMatch(/undecided: 1 partition\(s\)\n\s+the history: \d+ ops, out of time/);
  });

  it("stops at the first illegal key under --first and lists the keys left unsearched", async () => {
    const bad = [
      '{"process":1,"type":"invoke","f":"read","key":"a","time":1}',
      '{"process":1,"type":"ok","f":"read","key":"a","value":7,"time":2}',
    ];
    const good = ["b", "c"].flatMap((k, i) => [
      `{"process":${10 + i},"type":"invoke","f":"write","key":"${k}","value":1,"time":3}`,
      `{"process":${10 + i},"type":"ok","f":"write","key":"${k}","value":1,"time":4}`,
    ]);
    const file = join(dir, "keys.jsonl");
    writeFileSync(file, [...bad, ...good].join("\n") + "\n");
    expect(await check(file)).toBe(1);
    expect(stdout).not.toMatch(/undecided/);
    stdout = "";
    expect(await check(file, "--first")).toBe(1);
    expect(stdout).toMatch(/1 of 3 partition\(s\) are not linearizable: key "a"; 2 partition\(s\) left unsearched/);
    expect(stdout).toMatch(
      /undecided: 2 partition\(s\)\n\s+key "b": 1 ops, not searched \(--first\)\n\s+key "c": 1 ops/,
    );
  });

  it("does not call a history with no client operations valid", async () => {
    const file = join(dir, "history.jsonl");
    writeFileSync(file, '{"process":"nemesis","type":"info","f":"start-partition"}\n');
    expect(await check(file, "--json")).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ valid: "unknown", ops: 0 });
    expect(stderr).toMatch(/undecided: the history has no client operations/);
  });

  it("refuses an empty history as bad input (exit 3), not as an undecided verdict", async () => {
    const file = join(dir, "history.jsonl");
    writeFileSync(file, "");
    expect(await check(file)).toBe(3);
    expect(stderr).toContain(`${file} has no operations (the file is empty)`);
    stderr = "";
    writeFileSync(file, "\n\n");
    expect(await check(file, "--format", "jsonl")).toBe(3);
    expect(stderr).toContain(`${file} has no operations`);
  });

  it("exports Jepsen EDN that checks to the same verdict", async () => {
    const edn = join(dir, "out.edn");
    expect(await check(join(fixtures, "stale-read.jsonl"), "--export-edn", edn)).toBe(1);
    expect(stderr).toMatch(/wrote 6 ops as Jepsen EDN/);
    expect(readFileSync(edn, "utf8").split("\n")[0]).toBe(
      "{:index 0, :time 100, :type :invoke, :process 0, :f :write, :value 1}",
    );
    stdout = "";
    expect(await check(edn, "--json")).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ valid: false, format: "edn", ops: 3 });
  });

  it("has help with examples", async () => {
    expect(await check("--help")).toBe(0);
    expect(stdout + stderr).toMatch(/Examples:[\s\S]*splitbrain check results\/latest/);
    expect(stdout + stderr).toMatch(/--export-edn <file>/);
  });
});

describe("check's quick path (no commander)", () => {
  it("takes a plain line, and leaves help, mistakes and --name=value to commander", async () => {
    const { quickCheckOptions } = await import("../../src/cli/commands/checkAction.js");
    expect(quickCheckOptions(["h.jsonl"])).toEqual({
      path: "h.jsonl",
      opts: { model: "auto", consistency: "strict-serializable", format: "auto" },
    });
    expect(
      quickCheckOptions(["--json", "h.edn", "--model", "kv", "--timeout", "5", "--first", "--format", "edn"]),
    ).toEqual({
      path: "h.edn",
      opts: { model: "kv", consistency: "strict-serializable", format: "edn", timeout: "5", first: true, json: true },
    });
    for (const args of [
      [],
      ["--help"],
      ["h.jsonl", "--model", "queue"],
      ["h.jsonl", "--model=kv"],
      ["h.jsonl", "--timeout"],
      ["h.jsonl", "--timeout", "--json"],
      ["a.jsonl", "b.jsonl"],
      ["h.jsonl", "--frist"],
    ])
      expect(quickCheckOptions(args), args.join(" ")).toBeUndefined();
  });

  it("gives the same options commander gives, for every option check has", async () => {
    const { quickCheckOptions } = await import("../../src/cli/commands/checkAction.js");
    const { checkCommand } = await import("../../src/cli/commands/check.js");
    const lines = [
      ["h.jsonl"],
      ["h.jsonl", "--json", "--first", "--timeout", "7"],
      ["h.edn", "--model", "list-append", "--consistency", "serializable", "--format", "edn", "--export-edn", "o.edn"],
    ];
    for (const args of lines) {
      const cmd = checkCommand();
      let seen: unknown;
      cmd.action((path: string, opts: Record<string, unknown>) => {
        seen = { path, opts: { ...opts } };
      });
      await cmd.parseAsync(args, { from: "user" });
      expect(quickCheckOptions(args), args.join(" ")).toEqual(seen);
    }
    // Every option of the command is one the quick path knows, so none is left to commander by oversight.
    const known = ["--model", "--consistency", "--format", "--timeout", "--first", "--json", "--export-edn"];
    expect(checkCommand().options.map((o) => o.long)).toEqual(known);
  });
});
