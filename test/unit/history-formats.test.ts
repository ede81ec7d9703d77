import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/exit.js";
import { parseEdnHistory } from "../../src/history/edn-history.js";
import { HistoryFormatError } from "../../src/history/errors.js";
import { detectFormat, parseFormatChoice } from "../../src/history/format.js";
import { parseJepsenLog } from "../../src/history/jepsen-log.js";
import { isIndependent } from "../../src/history/jepsen-ops.js";
import { parseJsonl } from "../../src/history/jsonl.js";
import { parseHistory } from "../../src/history/read.js";
import { thrown } from "./support/thrown.js";

const fixtures = join(import.meta.dirname, "../fixtures/histories");
const fixture = (name: string) => readFileSync(join(fixtures, name), "utf8");

const formatError = (fn: () => unknown): HistoryFormatError => thrown(HistoryFormatError, fn);

describe("JSONL reader", () => {
  it("reads every field and renumbers densely", () => {
    const { history, lines, warnings } = parseJsonl(fixture("register.jsonl"), "register.jsonl");
    expect(warnings).toEqual([]);
    expect(history).toHaveLength(9);
    expect(history.map((o) => o.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(lines).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(history[3]).toEqual({ index: 3, time: 2100, process: 1, type: "ok", f: "read", value: 1, node: "n1" });
    expect(history[1]).toEqual({ index: 1, time: 1500, process: 1, type: "invoke", f: "read" });
    expect(history[5]!.process).toBe("nemesis");
    expect(history[6]).toMatchObject({ type: "info", value: [1, 2], error: "timeout" });
  });

  it("drops a last line cut short by a crash, with a warning", () => {
    const { history, warnings } = parseJsonl(fixture("truncated.jsonl"), "t.jsonl");
    expect(history).toHaveLength(8);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^t\.jsonl:9: the last line is cut short/);
  });

  it("rejects a malformed last line that was completely written (it ends with a newline)", () => {
    const text = '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok"\n';
    const err = formatError(() => parseJsonl(text, "h.jsonl"));
    expect(err.message).toMatch(/^h\.jsonl:2: expected one JSON object per line/);
  });

  it("rejects malformed lines in the middle, naming file, line and expectation", () => {
    const good = '{"process":0,"type":"invoke","f":"read"}';
    const cases: Array<[string, RegExp]> = [
      ["not json", /h:2: expected one JSON object per line/],
      ["[1,2]", /h:2: expected a JSON object like/],
      ['{"process":0,"type":"done","f":"read"}', /h:2: expected type to be invoke, ok, fail or info, found "done"/],
      ['{"type":"ok","f":"read"}', /h:2: missing process/],
      ['{"process":"client-1","type":"ok","f":"read"}', /h:2: expected process to be an integer or nemesis/],
      ['{"process":0,"type":"ok"}', /h:2: missing f/],
      ['{"process":0,"type":"ok","f":"read","time":-5}', /h:2: expected time to be a non-negative number/],
      ['{"process":0,"type":"ok","f":"read","key":{"a":1}}', /h:2: expected key to be a string, number or null/],
    ];
    for (const [line, want] of cases) {
      expect(() => parseJsonl(`${good}\n${line}\n${good}\n`, "h")).toThrow(want);
    }
  });

  it("skips blank lines and tolerates CRLF", () => {
    const text =
      '\n{"process":0,"type":"invoke","f":"read"}\r\n\r\n{"process":0,"type":"ok","f":"read","value":null}\r\n';
    const { history, lines } = parseJsonl(text, "h");
    expect(history.map((o) => o.type)).toEqual(["invoke", "ok"]);
    expect(lines).toEqual([2, 4]);
    expect(history[1]!.value).toBe(null);
  });
});

describe("Jepsen EDN reader", () => {
  it("reads a vector of op maps with independent [k v] tuples into key and value", () => {
    const { history, lines } = parseEdnHistory(fixture("independent.edn"), "i.edn");
    expect(history).toHaveLength(7);
    expect(history[0]).toEqual({ index: 0, time: 100, process: 0, type: "invoke", f: "write", key: 0, value: 3 });
    expect(history[1]).toMatchObject({ key: 1, value: null });
    expect(history[4]).toMatchObject({ f: "cas", key: 0, value: [3, 4] });
    expect(history[5]).toMatchObject({ type: "fail", error: "not-found" });
    expect(history[6]).toMatchObject({ process: "nemesis", value: null });
    expect(history[6]!.key).toBeUndefined();
    expect(lines).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it("reads one #jepsen.history.Op record per line", () => {
    const { history, lines } = parseEdnHistory(fixture("records.edn"), "r.edn");
    expect(history).toHaveLength(8);
    expect(lines).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(history[0]).toEqual({ index: 0, time: 14503487, process: 0, type: "invoke", f: "write", value: 2 });
    expect(history[5]).toMatchObject({ process: "nemesis", value: ["isolated", { n1: ["n2", "n3"] }] });
    // A plain cas value [old new] is not mistaken for a tuple.
    expect(history[6]).toMatchObject({ f: "cas", value: [2, 5] });
    expect(history[6]!.key).toBeUndefined();
    // Keywords read as strings, so a structured error comes back as EDN text with strings.
    expect(history[7]!.error).toBe('["timeout" "read timed out"]');
  });

  it("reads plain maps per line, with :key fields, strings and nested data", () => {
    const text = [
      '{:process 0, :type :invoke, :f :put, :key "k1", :value "a\\tb"}',
      '{:process 0, :type :ok, :f :put, :key "k1", :value "a\\tb", :node "n2"}',
      "{:process 1, :type :invoke, :f :add, :value #{1 2}}",
      "{:process 1, :type :ok, :f :add, :value #{1 2}}",
    ].join("\n");
    const { history } = parseEdnHistory(text, "h.edn");
    expect(history[0]).toEqual({ index: 0, process: 0, type: "invoke", f: "put", key: "k1", value: "a\tb" });
    expect(history[1]!.node).toBe("n2");
    expect(history[2]!.value).toEqual([1, 2]);
  });

  it("decides tuples for the whole history, not op by op", () => {
    const rec = (process: number | string, f: string, value: unknown) => ({
      fields: { process, f, type: "invoke", value } as never,
      line: 1,
    });
    expect(isIndependent([rec(0, "read", [0, null]), rec(1, "cas", [0, [1, 2]]), rec("nemesis", "start", null)])).toBe(
      true,
    );
    expect(isIndependent([rec(0, "cas", [1, 2])])).toBe(false);
    expect(isIndependent([rec(0, "read", null), rec(1, "write", [1, 2])])).toBe(false);
    expect(isIndependent([rec("nemesis", "start", [1, 2])])).toBe(false);
    expect(isIndependent([])).toBe(false);
  });

  it("drops a last record cut short by a crash, but not one cut in the middle", () => {
    const ok = "{:process 0, :type :invoke, :f :read, :value nil}";
    const { history, warnings } = parseEdnHistory(`${ok}\n{:process 0, :type :ok, :f :re`, "h.edn");
    expect(history).toHaveLength(1);
    expect(warnings[0]).toMatch(/^h\.edn:2: the last line is cut short/);

    const err = formatError(() => parseEdnHistory(`${ok}\n{:process 0, :type :ok\n${ok}\n`, "h.edn"));
    expect(err.line).toBe(2);
  });

  it("rejects malformed records with the line and what was expected", () => {
    const ok = "{:process 0, :type :invoke, :f :read, :value nil}";
    expect(() => parseEdnHistory(`${ok}\n{:process 0 :type}\n`, "h.edn")).toThrow(
      /^h\.edn:2: the map opened at line 2 has a key \(type\) with no value/,
    );
    expect(() => parseEdnHistory(`${ok}\n42\n`, "h.edn")).toThrow(/^h\.edn:2: expected an op map like \{:type :invoke/);
    expect(() => parseEdnHistory(`[${ok}\n :oops]`, "h.edn")).toThrow(/^h\.edn:2: expected an op map/);
    expect(() => parseEdnHistory(`${ok}\n{:process 0, :type :returned, :f :read}\n`, "h.edn")).toThrow(
      /^h\.edn:2: expected type to be invoke, ok, fail or info, found "returned"/,
    );
    expect(() => parseEdnHistory(`${ok}\n{:process :client, :type :ok, :f :read}\n`, "h.edn")).toThrow(
      /^h\.edn:2: expected process to be an integer or nemesis, found "client"/,
    );
  });
});

describe("Jepsen log reader", () => {
  it("reads op lines in any logger layout and ignores everything else", () => {
    const { history, lines } = parseJepsenLog(fixture("jepsen.log"), "jepsen.log");
    expect(history.map((o) => `${o.process} ${o.type} ${o.f}`)).toEqual([
      "0 invoke write",
      "1 invoke read",
      "0 ok write",
      "1 ok read",
      "nemesis info start",
      "2 invoke cas",
      "2 info cas",
      "3 invoke read",
      "3 fail read",
    ]);
    expect(lines).toEqual([3, 4, 5, 6, 10, 11, 12, 13, 14]);
    expect(history.every((o) => o.time === undefined)).toBe(true);
    expect(history[3]!.value).toBe(3);
    expect(history[4]!.value).toBe("Cut off {:n1 #{:n2 :n3}}");
    expect(history[5]!.value).toEqual([3, 4]);
    expect(history[6]!.error).toBe("indeterminate: Read timed out");
    expect(history[8]!.error).toBe("connection-refused");
  });

  it("reads independent tuples in log values", () => {
    const log = "INFO  jepsen.util - 0\t:invoke\t:read\t[7 nil]\nINFO  jepsen.util - 0\t:ok\t:read\t[7 3]\n";
    const { history } = parseJepsenLog(log, "l");
    expect(history[1]).toMatchObject({ key: 7, value: 3 });
  });

  it("keeps free-text nemesis values and rejects broken client values with the line", () => {
    const log = [
      "INFO  jepsen.util - :nemesis\t:info\t:start\tisolated {n1 [n2",
      "INFO  jepsen.util - 0\t:invoke\t:write\t[1 2",
      "INFO  jepsen.util - 0\t:ok\t:write\t[1 2]",
      "",
    ].join("\n");
    expect(() => parseJepsenLog(log, "l")).toThrow(/^l:2: expected an EDN value after :write/);
    expect(() => parseJepsenLog("INFO  jepsen.util - 0\t:done\t:read\tnil\n", "l")).toThrow(
      /^l:1: expected the op type/,
    );
    expect(() => parseJepsenLog("INFO  jepsen.util - 0\t:invoke\t:read\n", "l")).toThrow(
      /^l:1: expected the op's value after :read/,
    );
  });

  it("drops a last op line cut short", () => {
    const log = "INFO  jepsen.util - 0\t:invoke\t:write\t[1 2]\nINFO  jepsen.util - 0\t:ok\t:write\t[1 ";
    const { history, warnings } = parseJepsenLog(log, "l");
    expect(history).toHaveLength(1);
    expect(warnings[0]).toMatch(/^l:2: the last line is cut short/);
  });
});

describe("format detection and validation on read", () => {
  it("tells formats apart by content", () => {
    expect(detectFormat(fixture("register.jsonl"))).toBe("jsonl");
    expect(detectFormat(fixture("independent.edn"))).toBe("edn");
    expect(detectFormat(fixture("records.edn"))).toBe("edn");
    expect(detectFormat("{:type :ok}")).toBe("edn");
    expect(detectFormat('  { "type": "ok" }')).toBe("jsonl");
    expect(detectFormat(fixture("jepsen.log"))).toBe("jepsen-log");
    expect(detectFormat("hello world\n")).toBeUndefined();
  });

  it("parses format names and rejects unknown ones as usage errors", () => {
    expect(parseFormatChoice("edn")).toBe("edn");
    expect(parseFormatChoice("auto")).toBe("auto");
    expect(() => parseFormatChoice("csv")).toThrow(UsageError);
  });

  it("validates after parsing, naming the line of the broken op", () => {
    const text =
      "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:info\t:read\tnil\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n";
    expect(() => parseHistory(text, "auto", "j.log")).toThrow(
      /^j\.log:3: process 0 appears again after its :info at line 2/,
    );
  });

  it("explains a file it cannot recognise", () => {
    expect(() => parseHistory("hello\n", "auto", "x.txt")).toThrow(/cannot tell the format of x\.txt/);
  });
});
