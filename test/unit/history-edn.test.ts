import { describe, expect, it } from "vitest";
import { EdnReader, EdnSyntaxError, readEdn } from "../../src/history/edn.js";
import { ednValue } from "../../src/history/edn-writer.js";

function syntaxError(text: string): EdnSyntaxError {
  try {
    readEdn(text);
  } catch (err) {
    expect(err).toBeInstanceOf(EdnSyntaxError);
    return err as EdnSyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

describe("EDN reader", () => {
  it("reads scalars: nil, booleans, numbers, keywords, symbols", () => {
    expect(readEdn("nil")).toBe(null);
    expect(readEdn("true")).toBe(true);
    expect(readEdn("false")).toBe(false);
    expect(readEdn("-42")).toBe(-42);
    expect(readEdn("+7")).toBe(7);
    expect(readEdn("12N")).toBe(12);
    expect(readEdn("1.5e3")).toBe(1500);
    expect(readEdn("2.50M")).toBe(2.5);
    expect(readEdn("1/4")).toBe(0.25);
    expect(readEdn("0x1F")).toBe(31);
    expect(readEdn("##Inf")).toBe(Infinity);
    expect(readEdn("##NaN")).toBeNaN();
    expect(readEdn(":invoke")).toBe("invoke");
    expect(readEdn(":jepsen.history/op")).toBe("jepsen.history/op");
    expect(readEdn("java.lang.Exception")).toBe("java.lang.Exception");
    expect(readEdn("-")).toBe("-");
  });

  it("reads strings with every escape, and characters", () => {
    expect(readEdn(String.raw`"a\"b\\c\nd\te\rf\u00e9"`)).toBe('a"b\\c\nd\te\rf\u00e9');
    expect(readEdn('"two\nlines"')).toBe("two\nlines");
    expect(readEdn(String.raw`[\a \newline \space \tab \u0041 \(]`)).toEqual(["a", "\n", " ", "\t", "A", "("]);
  });

  it("reads collections: vectors, lists, sets, nested maps with any key", () => {
    expect(readEdn("[1 [2 3] (4 5)]")).toEqual([1, [2, 3], [4, 5]]);
    expect(readEdn("#{1 2 3}")).toEqual([1, 2, 3]);
    expect(readEdn('{:a 1, "b" [nil], 3 {:c #{:d}}}')).toEqual({ a: 1, b: [null], "3": { c: ["d"] } });
    expect(readEdn("{[1 2] :x}")).toEqual({ "[1,2]": "x" });
    expect(readEdn("{}")).toEqual({});
    expect(readEdn("[]")).toEqual([]);
  });

  it("keeps a __proto__ key as data", () => {
    const m = readEdn('{"__proto__" 1}') as Record<string, unknown>;
    expect(Object.keys(m)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
  });

  it("unwraps tagged literals, including Jepsen records, and skips comments and discards", () => {
    expect(readEdn("#jepsen.history.Op{:index 0, :type :ok}")).toEqual({ index: 0, type: "ok" });
    expect(readEdn('#inst "2024-01-01T00:00:00Z"')).toBe("2024-01-01T00:00:00Z");
    expect(readEdn('#object[java.lang.Exception 0x1b2c "boom"]')).toEqual(["java.lang.Exception", 0x1b2c, "boom"]);
    expect(readEdn("; comment\n[1 #_ 2 #_[3 4] 5] ; trailing")).toEqual([1, 5]);
    expect(readEdn("{:a #_:b 1}")).toEqual({ a: 1 });
  });

  it("reads a stream of forms with their starting lines", () => {
    const r = new EdnReader("{:a 1}\n\n  {:b\n 2}\n[3]");
    expect(r.next()).toEqual({ value: { a: 1 }, line: 1 });
    expect(r.next()).toEqual({ value: { b: 2 }, line: 3 });
    expect(r.next()).toEqual({ value: [3], line: 5, itemLines: [5] });
    expect(r.next()).toBeUndefined();
  });

  it("records the line of each element of a vector", () => {
    const r = new EdnReader("[{:a 1}\n {:a 2}\n\n {:a [5\n 6]} 4]");
    expect(r.next()!.itemLines).toEqual([1, 2, 4, 5]);
  });

  it("rejects malformed input with the line and what was expected", () => {
    const odd = syntaxError("[{:a 1}\n {:b}]");
    expect(odd.line).toBe(2);
    expect(odd.message).toMatch(/map opened at line 2 has a key \(b\) with no value/);
    expect(odd.atEnd).toBe(false);

    const unclosed = syntaxError("{:type :invoke,\n :value [1 2\n :process 3}");
    expect(unclosed.message).toMatch(/expected `\]`|unexpected `}`/);

    const cut = syntaxError('{:type :ok, :value "abc');
    expect(cut.atEnd).toBe(true);
    expect(cut.message).toMatch(/string opened at line 1/);

    const open = syntaxError("[1 2\n3");
    expect(open.atEnd).toBe(true);
    expect(open.message).toMatch(/vector opened at line 1 \(expected `\]`\)/);

    expect(syntaxError("]").message).toMatch(/unexpected `\]`/);
    expect(syntaxError('"bad \\q"').message).toMatch(/unknown escape \\q/);
    expect(syntaxError("12abc").message).toMatch(/bad number `12abc`/);
    expect(syntaxError("\\bogus").message).toMatch(/unknown character literal/);
    expect(syntaxError(":").message).toMatch(/bad keyword/);
    expect(syntaxError("#?(:clj 1)").message).toMatch(/unsupported dispatch/);
    expect(syntaxError("1 2").message).toMatch(/expected one EDN form/);
    expect(syntaxError("   ").message).toMatch(/found nothing/);
  });

  it("refuses integers it cannot hold exactly instead of rounding them", () => {
    expect(readEdn("9007199254740991")).toBe(Number.MAX_SAFE_INTEGER);
    expect(syntaxError("9007199254740993").message).toMatch(/too large/);
  });

  it("reads back what the EDN writer writes", () => {
    const values: unknown[] = [
      null,
      true,
      0,
      -3,
      1.25,
      "plain",
      'q"uo\\te\n\t\u0001',
      [1, [2, null]],
      { a: 1, "b c": ["x"], "1x": null },
      Infinity,
      -Infinity,
    ];
    for (const v of values) expect(readEdn(ednValue(v))).toEqual(v);
  });
});
