import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/exit.js";
import type { Op } from "../../src/history/op.js";
import { detectModel, registerModel as m, modelByName } from "../../src/models/index.js";
import type { Call } from "../../src/models/model.js";
import type { RegisterInput } from "../../src/models/register.js";

const inv = (f: string, value?: unknown, index = 0): Op => ({ index, process: 0, type: "invoke", f, value });
const ok = (f: string, value?: unknown): Op => ({ index: 1, process: 0, type: "ok", f, value });

describe("register model", () => {
  it("reads Redis's get/set as read/write and compares values as Redis stores them", () => {
    expect(m.decode(inv("set", 3), ok("set", 3))).toEqual({ input: { f: "write", value: "3" }, output: null });
    const read = m.decode(inv("get"), ok("get", "3"))!;
    expect(m.step("3", read.input, read.output)).toEqual({ ok: true, next: "3" });
    expect(m.step("4", read.input, read.output)).toBe(false);
  });

  it("starts unset; a read of nil means unset", () => {
    const nil = m.decode(inv("read"), ok("read", null))!;
    expect(m.step(m.init(), nil.input, nil.output)).toEqual({ ok: true, next: null });
    expect(m.step("1", nil.input, nil.output)).toBe(false);
  });

  it("cas [old, new] takes effect only from old, pending or not", () => {
    const cas = m.decode(inv("cas", [1, 2]), ok("cas", [1, 2]))!;
    expect(m.step("1", cas.input, cas.output)).toEqual({ ok: true, next: "2" });
    expect(m.step("5", cas.input, cas.output)).toBe(false);
    const pendingCas = m.decode(inv("cas", [null, 2]), undefined)!;
    expect(pendingCas.output).toBeUndefined();
    expect(m.step(null, pendingCas.input, undefined)).toEqual({ ok: true, next: "2" });
    expect(m.describeOp(pendingCas.input, undefined)).toBe('cas nil -> "2" (pending)');
  });

  it("drops a pending read (it constrains nothing) but keeps a pending write", () => {
    expect(m.decode(inv("read"), undefined)).toBeNull();
    expect(m.decode(inv("write", 7), undefined)).toEqual({ input: { f: "write", value: "7" }, output: undefined });
  });

  it("refuses what it does not know, saying which op and what to do", () => {
    expect(() => m.decode(inv("append", "x", 12), undefined)).toThrow(UsageError);
    expect(() => m.decode(inv("append", "x", 12), undefined)).toThrow(
      /op 12: the register model does not know the operation "append"/,
    );
    expect(() => m.decode(inv("cas", 5, 3), ok("cas", 5))).toThrow(/op 3: a cas needs the value \[old, new\], got 5/);
  });

  it("prunes pending writes of values nobody reads, and only those", () => {
    const call = (
      id: number,
      input: RegisterInput,
      output: string | null | undefined,
      pending: boolean,
    ): Call<RegisterInput, string | null> => ({
      id,
      completionId: pending ? null : id + 1,
      process: id,
      f: "x",
      key: null,
      input,
      output: pending ? undefined : output,
      pending,
      call: id,
      ret: pending ? Infinity : id + 1,
    });
    const calls = [
      call(0, { f: "write", value: "1" }, undefined, true),
      call(1, { f: "write", value: "2" }, undefined, true),
      call(2, { f: "cas", from: "3", to: "4" }, undefined, true),
      call(3, { f: "read" }, "2", false),
      call(4, { f: "cas", from: "1", to: "9" }, null, false),
    ];
    expect(m.pruneUnobserved!(calls).map((c) => c.id)).toEqual([0, 1, 3, 4]);
  });
});

describe("model registry", () => {
  it("finds models by name and rejects unknown names as usage errors", () => {
    expect(modelByName("register")).toBe(m);
    expect(modelByName("kv").name).toBe("kv");
    expect(() => modelByName("queue")).toThrow(UsageError);
    expect(() => modelByName("queue")).toThrow(/unknown model "queue"/);
  });

  it("detects kv from put/append and a register otherwise", () => {
    expect(detectModel([inv("set", 1), inv("get")])).toBe("register");
    expect(detectModel([inv("cas", [1, 2])])).toBe("register");
    expect(detectModel([inv("read"), inv("append", "x")])).toBe("kv");
    expect(detectModel([{ index: 0, process: "nemesis", type: "info", f: "append" }])).toBe("register");
  });
});
