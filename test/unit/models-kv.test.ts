import { describe, expect, it } from "vitest";
import { checkLinearizable } from "../../src/checker/linearizable/index.js";
import { UsageError } from "../../src/core/exit.js";
import type { History, Op } from "../../src/history/op.js";
import { kvModel as m } from "../../src/models/index.js";
import type { KvInput } from "../../src/models/kv.js";
import type { Call } from "../../src/models/model.js";

const inv = (f: string, value?: unknown, index = 0): Op => ({ index, process: 0, type: "invoke", f, value });
const ok = (f: string, value?: unknown): Op => ({ index: 1, process: 0, type: "ok", f, value });

describe("kv model", () => {
  it("starts every key at the empty string; Redis's nil for a missing key reads as empty", () => {
    const nil = m.decode(inv("get"), ok("get", null))!;
    expect(m.step(m.init(), nil.input, nil.output)).toEqual({ ok: true, next: "" });
  });

  it("put replaces, append extends, get must match; set and write are put", () => {
    const put = m.decode(inv("set", "ab"), ok("set", "OK"))!;
    const app = m.decode(inv("append", "c"), ok("append", 3))!;
    const get = m.decode(inv("get"), ok("get", "abc"))!;
    const s1 = m.step("zz", put.input, put.output);
    expect(s1).toEqual({ ok: true, next: "ab" });
    const s2 = m.step("ab", app.input, app.output);
    expect(s2).toEqual({ ok: true, next: "abc" });
    expect(m.step("abc", get.input, get.output)).toEqual({ ok: true, next: "abc" });
    expect(m.step("ab", get.input, get.output)).toBe(false);
    expect(m.decode(inv("write", 5), ok("write"))!.input).toEqual({ f: "put", value: "5" });
  });

  it("refuses cas with a hint towards the register model", () => {
    expect(() => m.decode(inv("cas", [1, 2], 4), undefined)).toThrow(UsageError);
    expect(() => m.decode(inv("cas", [1, 2], 4), undefined)).toThrow(
      /op 4: the kv model does not know the operation "cas"/,
    );
  });

  it("prunes pending puts and appends no get could have seen", () => {
    const call = (id: number, input: KvInput, output: unknown, pending: boolean): Call<KvInput, string> => ({
      id,
      completionId: null,
      process: id,
      f: "x",
      key: "k",
      input,
      output: pending ? undefined : (output as string),
      pending,
      call: id,
      ret: pending ? Infinity : id + 1,
    });
    const calls = [
      call(0, { f: "put", value: "x" }, undefined, true),
      call(1, { f: "append", value: "-q" }, undefined, true),
      call(2, { f: "put", value: "y" }, undefined, true),
      call(3, { f: "append", value: "-r" }, undefined, true),
      call(4, { f: "get" }, "y-r", false),
    ];
    expect(m.pruneUnobserved!(calls).map((c) => c.id)).toEqual([2, 3, 4]);
  });

  it('checks keys independently (one partition per key, key 1 and "1" being one Redis key)', async () => {
    const h: History = [
      { index: 0, process: 0, type: "invoke", f: "append", key: 1, value: "a" },
      { index: 1, process: 0, type: "ok", f: "append", key: "1", value: "a" },
      { index: 2, process: 1, type: "invoke", f: "append", key: "2", value: "b" },
      { index: 3, process: 1, type: "ok", f: "append", key: "2", value: "b" },
      { index: 4, process: 0, type: "invoke", f: "get", key: "1" },
      { index: 5, process: 0, type: "ok", f: "get", key: "1", value: "a" },
      { index: 6, process: 1, type: "invoke", f: "get", key: 2 },
      { index: 7, process: 1, type: "ok", f: "get", key: 2, value: "ab" },
    ];
    const r = await checkLinearizable(h, m, { workers: 1 });
    expect(r.valid).toBe(false);
    expect(r.partitions).toBe(2);
    expect(r.anomalies.map((a) => a.key)).toEqual(["2"]);
    expect(r.anomalies[0]!.stuck[0]).toMatchObject({ id: 6, description: 'get -> "ab"', why: "refused" });
  });
});
