import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { parseEdnHistory } from "../../src/history/edn-history.js";
import { historyToEdn, keyStyleFor } from "../../src/history/edn-writer.js";
import { opToJsonLine, parseJsonl } from "../../src/history/jsonl.js";
import type { History, Op } from "../../src/history/op.js";
import { loadHistory } from "../../src/history/read.js";
import { HistoryWriter } from "../../src/history/writer.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "splitbrain-history-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("HistoryWriter", () => {
  it("numbers ops in append order and writes them all by close", async () => {
    const path = join(dir, "history.jsonl");
    const w = await HistoryWriter.create(path);
    const a = w.append({ time: 10, process: 0, type: "invoke", f: "write", key: "k", value: 1 });
    const b = w.append({ time: 20, process: 0, type: "ok", f: "write", key: "k", value: 1, node: "n1" });
    expect([a.index, b.index, w.count]).toEqual([0, 1, 2]);
    await w.close();
    await w.close();
    const { history, warnings } = parseJsonl(readFileSync(path, "utf8"), path);
    expect(warnings).toEqual([]);
    expect(history).toEqual([a, b]);
    expect(() => w.append({ process: 0, type: "invoke", f: "read" })).toThrow(/closed/);
  });

  it("record writes an op built in the file's field order as append would, numbered in the same sequence", async () => {
    const path = join(dir, "history.jsonl");
    const w = await HistoryWriter.create(path);
    const a = w.append({ time: 5, process: 1, type: "invoke", f: "cas", key: "register:{0}", value: [1, 2] });
    const op: Op = {
      index: -1,
      time: 9,
      process: 1,
      type: "fail",
      f: "cas",
      key: "register:{0}",
      value: [1, 2],
      error: 'cas: "x"',
      node: "n1",
    };
    expect(w.record(op)).toBe(1);
    await w.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines[1]).toBe(opToJsonLine({ ...op, index: 1 }));
    expect(parseJsonl(readFileSync(path, "utf8"), path).history).toEqual([a, { ...op, index: 1 }]);
  });

  it("writes appended ops within the flush interval, without waiting for close", async () => {
    const path = join(dir, "history.jsonl");
    const w = await HistoryWriter.create(path, { flushIntervalMs: 50 });
    w.append({ time: 1, process: 0, type: "invoke", f: "read" });
    await sleep(250);
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
    await w.close();
  });

  it("writes at once when the batch is full", async () => {
    const path = join(dir, "history.jsonl");
    const w = await HistoryWriter.create(path, { flushIntervalMs: 60_000, maxBufferedOps: 3 });
    for (let i = 0; i < 3; i++) w.append({ time: i, process: i, type: "invoke", f: "read" });
    await w.flush();
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean)).toHaveLength(3);
    await w.close();
  });

  it("refuses to overwrite an existing history", async () => {
    const path = join(dir, "history.jsonl");
    writeFileSync(path, "");
    await expect(HistoryWriter.create(path)).rejects.toThrow(/EEXIST/);
  });

  it.each([
    ["history.jsonl", 50_000],
    ["history.jsonl.gz", 3_000],
  ])(
    "leaves a checkable file when the writing process is killed mid-run (%s)",
    async (name, enough) => {
      const path = join(dir, name);
      const script = `
      import { HistoryWriter } from "./src/history/writer.ts";
      const w = await HistoryWriter.create(${JSON.stringify(path)}, { flushIntervalMs: 5, maxBufferedOps: 7 });
      let p = 0, t = 0;
      setInterval(() => {
        for (let i = 0; i < 5; i++) {
          w.append({ time: t++, process: p, type: "invoke", f: "write", value: "x".repeat(200) });
          w.append({ time: t++, process: p, type: i % 2 ? "ok" : "info", f: "write", value: "x".repeat(200) });
          p++;
        }
      }, 1);`;
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: packageRoot,
        stdio: "ignore",
      });
      try {
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline) {
          await sleep(50);
          let size = 0;
          try {
            size = readFileSync(path).length;
          } catch {
            // not created yet
          }
          if (size > enough) break;
        }
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      const loaded = await loadHistory(path);
      expect(loaded.history.length).toBeGreaterThan(100);
      expect(loaded.warnings.length).toBeLessThanOrEqual(1);
      loaded.history.forEach((op, i) => expect(op.index).toBe(i));
    },
    30_000,
  );
});

describe("compressed histories", () => {
  it("writes history.jsonl.gz as gzip that reads back op for op, and a run directory with only it is read from it", async () => {
    const path = join(dir, "history.jsonl.gz");
    const w = await HistoryWriter.create(path, { maxBufferedOps: 10 });
    for (let i = 0; i < 1000; i++)
      w.append({ time: i, process: 0, type: i % 2 ? "ok" : "invoke", f: "write", value: i >> 1 });
    await w.close();
    const bytes = readFileSync(path);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(bytes).toString("utf8").trimEnd().split("\n")).toHaveLength(1000);
    const fromDir = await loadHistory(dir);
    expect(fromDir.file).toBe(path);
    expect(fromDir.runDir).toBe(dir);
    expect(fromDir.history).toHaveLength(1000);
    expect(fromDir.history[999]).toMatchObject({ index: 999, value: 499 });
  });

  it("prefers history.jsonl when a run directory has both, and refuses a file that starts like gzip but is not", async () => {
    const op = (index: number) =>
      JSON.stringify({ index, time: index, process: 0, type: index ? "ok" : "invoke", f: "write", value: 1 }) + "\n";
    writeFileSync(join(dir, "history.jsonl"), op(0) + op(1));
    writeFileSync(join(dir, "history.jsonl.gz"), gzipSync(op(0)));
    expect((await loadHistory(dir)).history).toHaveLength(2);
    const bad = join(dir, "bad.jsonl.gz");
    writeFileSync(bad, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]));
    await expect(loadHistory(bad)).rejects.toThrow(/cannot decompress/);
  });
});

describe("a run directory's history, parsed as it streams", () => {
  const op = (index: number) =>
    JSON.stringify({ index, time: index, process: 0, type: index % 2 ? "ok" : "invoke", f: "write", value: 1 });

  it("drops a last line cut short with the warning parseJsonl gives, and refuses a bad line before the last by number", async () => {
    const text = [op(0), op(1), op(2), op(3)].join("\n") + "\n" + op(4).slice(0, 20);
    writeFileSync(join(dir, "history.jsonl"), text);
    const streamed = await loadHistory(dir);
    const whole = parseJsonl(text, join(dir, "history.jsonl"));
    expect(streamed.history).toEqual(whole.history);
    expect(streamed.lines).toEqual(whole.lines);
    expect(streamed.warnings).toEqual(whole.warnings);
    writeFileSync(join(dir, "history.jsonl"), [op(0), "{not json", op(1)].join("\n") + "\n");
    await expect(loadHistory(dir)).rejects.toThrow(/history\.jsonl:2: .*not valid JSON/);
  });
});

describe("JSON Lines", () => {
  /** What the line must be: the fields in their fixed order, through JSON.stringify. */
  const reference = (op: Op): string => {
    const o: Record<string, unknown> = { index: op.index };
    for (const k of ["time", "process", "type", "f", "key", "value", "error", "node"] as const)
      if (op[k] !== undefined) o[k] = op[k];
    return JSON.stringify(o);
  };

  it("writes each op exactly as JSON.stringify of its fields in order would", () => {
    const odd = [
      "",
      "plain",
      'q"uote',
      "back\\slash",
      "new\nline",
      "tab\t",
      "\u0000ctl",
      "\u007f",
      "é ünï",
      "😀",
      "\ud800",
    ];
    const values: unknown[] = [
      0,
      -0,
      7,
      -3,
      1.5,
      1e21,
      2 ** 53,
      NaN,
      Infinity,
      null,
      true,
      [1, 2],
      [NaN, 3],
      [1, 2, 3],
      ["a", 1],
      { a: [1, { b: "c" }] },
      [],
      ...odd,
    ];
    const ops: Op[] = [];
    let i = 0;
    for (const value of values) {
      ops.push({
        index: i++,
        time: 123456789,
        process: 3,
        type: "ok",
        f: "cas",
        key: "register:{1}",
        value,
        node: "n1",
      });
      ops.push({
        index: i++,
        process: "nemesis",
        type: "info",
        f: "kill",
        value,
        error: typeof value === "string" ? value : "x",
      });
    }
    for (const s of odd) {
      ops.push({ index: i++, time: 1, process: 0, type: "fail", f: s, key: s, error: s, node: s });
      ops.push({ index: i++, process: 0, type: "invoke", f: "read", key: null });
      ops.push({ index: i++, process: 0, type: "invoke", f: "read", key: 5, time: NaN });
    }
    for (const op of ops) expect(opToJsonLine(op)).toBe(reference(op));
  });
});

describe("EDN export", () => {
  const roundTrip = (history: History): History => parseEdnHistory(historyToEdn(history), "out.edn").history;
  // EDN always has a :value; an op written without one reads back as nil.
  const normal = (history: History): History =>
    history.map((o): Op => ({ ...o, value: o.value === undefined ? null : o.value }));

  it("round-trips a keyed history through jepsen.independent tuples", () => {
    const history: History = [
      { index: 0, time: 5, process: 0, type: "invoke", f: "cas", key: "k1", value: [null, "a"] },
      { index: 1, time: 6, process: 1, type: "invoke", f: "get", key: 7 },
      { index: 2, time: 7, process: "nemesis", type: "info", f: "kill", value: { node: "n1", sig: "KILL" } },
      { index: 3, time: 8, process: 0, type: "fail", f: "cas", key: "k1", value: [null, "a"], error: "not-found" },
      { index: 4, time: 9, process: 1, type: "info", f: "get", key: 7, error: "connection reset by peer", node: "n2" },
    ];
    expect(keyStyleFor(history)).toBe("tuple");
    const edn = historyToEdn(history);
    expect(edn.split("\n")[0]).toBe('{:index 0, :time 5, :type :invoke, :process 0, :f :cas, :value ["k1" [nil "a"]]}');
    expect(roundTrip(history)).toEqual(normal(history));
  });

  it("round-trips an unkeyed or partly keyed history with :key fields", () => {
    const history: History = [
      { index: 0, process: 0, type: "invoke", f: "write", value: 'quote " and \\ and\nnewline' },
      { index: 1, process: 1, type: "invoke", f: "append", key: "list-1", value: "x" },
      { index: 2, process: 0, type: "ok", f: "write", value: 'quote " and \\ and\nnewline' },
      { index: 3, process: 1, type: "ok", f: "append", key: "list-1", value: "x" },
      { index: 4, process: 2, type: "invoke", f: "odd name", value: [1.5, -2, true] },
    ];
    expect(keyStyleFor(history)).toBe("field");
    expect(historyToEdn(history)).toContain(':key "list-1"');
    expect(roundTrip(history)).toEqual(normal(history));
  });

  it("round-trips the hand-made fixtures through every reader", async () => {
    for (const name of ["register.jsonl", "independent.edn", "records.edn", "jepsen.log"]) {
      const { history } = await loadHistory(join(packageRoot, "test/fixtures/histories", name));
      expect(roundTrip(history)).toEqual(normal(history));
    }
  });
});
