import { describe, expect, it } from "vitest";
import { parseEdnHistory } from "../../src/history/edn-history.js";
import { HistoryFormatError } from "../../src/history/errors.js";
import { parseJepsenLog } from "../../src/history/jepsen-log.js";
import { parseJsonl } from "../../src/history/jsonl.js";
import { DEFAULT_MAX_LINE_MIB, firstLongLine, jsonNestsDeeperThan, maxLineChars } from "../../src/history/limits.js";
import { thrown } from "./support/thrown.js";

const refusal = (fn: () => unknown): HistoryFormatError => thrown(HistoryFormatError, fn);

const DEEP = 100_000;
const line = (value: string) => `{"process":0,"type":"invoke","f":"write","value":${value}}`;

describe("nesting and line-length limits", () => {
  it("measures bracket depth outside strings only", () => {
    expect(jsonNestsDeeperThan("[".repeat(11) + "]".repeat(11), 10)).toBe(true);
    expect(jsonNestsDeeperThan("[".repeat(10) + "]".repeat(10), 10)).toBe(false);
    expect(jsonNestsDeeperThan(`["${"[".repeat(50)}"]`, 10)).toBe(false);
    expect(jsonNestsDeeperThan(`["\\"${"{".repeat(50)}"]`, 10)).toBe(false);
    expect(jsonNestsDeeperThan("[" + "[[]],".repeat(30) + "[]]", 10)).toBe(false);
  });

  it("finds the first line over the limit, by number", () => {
    expect(firstLongLine("ab\nabcdef\nabc", 4)).toEqual({ line: 2, length: 6 });
    expect(firstLongLine("ab\nabcd\nabc", 4)).toBeUndefined();
    expect(firstLongLine("abcdefgh", 4)).toEqual({ line: 1, length: 8 });
  });

  it("takes the line limit from SPLITBRAIN_MAX_LINE_MIB, falling back on nonsense", () => {
    expect(maxLineChars({})).toBe(DEFAULT_MAX_LINE_MIB * 1024 * 1024);
    expect(maxLineChars({ SPLITBRAIN_MAX_LINE_MIB: "128" })).toBe(128 * 1024 * 1024);
    expect(maxLineChars({ SPLITBRAIN_MAX_LINE_MIB: "-1" })).toBe(DEFAULT_MAX_LINE_MIB * 1024 * 1024);
  });

  it("JSONL: a 100k-deep line is refused with its line, not a stack overflow", () => {
    const text = line("1") + "\n" + line("[".repeat(DEEP) + "]".repeat(DEEP)) + "\n";
    const err = refusal(() => parseJsonl(text, "h.jsonl"));
    expect(err.message).toBe(
      "h.jsonl:2: this line nests lists or objects more than 1000 deep (a history op nests a few levels at most)",
    );
  });

  it("EDN: a 100k-deep form is refused with its line, in both layouts and with tags", () => {
    const deep = "[".repeat(DEEP) + "]".repeat(DEEP);
    expect(
      refusal(() => parseEdnHistory(`{:process 0, :type :invoke, :f :read}\n{:value ${deep}}\n`, "h.edn")).message,
    ).toMatch(/^h\.edn:2: this line nests/);
    expect(refusal(() => parseEdnHistory(`[{:value ${"(".repeat(DEEP)}}]`, "h.edn")).message).toMatch(
      /^h\.edn:1: this line nests/,
    );
    expect(refusal(() => parseEdnHistory(`${"#_".repeat(DEEP)}1`, "h.edn")).message).toMatch(
      /^h\.edn:1: this line nests/,
    );
  });

  it("jepsen-log: a deep value is refused with its line", () => {
    const text = `INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t${"[".repeat(DEEP)}\n`;
    expect(refusal(() => parseJepsenLog(text, "j.log")).message).toMatch(
      /^j\.log:2: .*nests lists or objects more than 1000 deep/,
    );
  });

  it("refuses a line over the limit in every format, naming it and the way to raise the limit", () => {
    const long = line(`"${"x".repeat(200)}"`);
    for (const [fn, name] of [
      [() => parseJsonl(`${line("1")}\n${long}\n`, "h.jsonl", 100), "h.jsonl"],
      [() => parseEdnHistory(`{:f :read}\n{:value "${"x".repeat(200)}"}\n`, "h.edn", 100), "h.edn"],
      [
        () =>
          parseJepsenLog(
            `INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t"${"x".repeat(200)}"\n`,
            "j.log",
            100,
          ),
        "j.log",
      ],
    ] as const) {
      const err = refusal(fn);
      expect(err.message).toMatch(
        new RegExp(`^${name.replace(".", "\\.")}:2: this line is 0\\.0 MiB long, over the limit of 0\\.0 MiB`),
      );
      expect(err.hint).toMatch(/SPLITBRAIN_MAX_LINE_MIB/);
    }
  });
});
