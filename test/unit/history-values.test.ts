import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { HistoryFormatError } from "../../src/history/errors.js";
import type { Op, OpType } from "../../src/history/op.js";
import { parseHistory } from "../../src/history/read.js";
import { checkOpShapes, type OpShape } from "../../src/history/values.js";
import { kvModel, registerModel } from "../../src/models/index.js";
import { createWorkload, WORKLOADS } from "../../workloads/index.js";

function op(type: OpType, f: string, value?: unknown): Op {
  const o: Op = { index: 0, process: 0, type, f };
  if (value !== undefined) o.value = value;
  return o;
}

/** Every case: [type, f, value] the reader must accept. */
type Case = [OpType, string, unknown];

function accepts(shape: OpShape, cases: Case[]): void {
  for (const [type, f, value] of cases)
    expect(shape.checkOp(op(type, f, value)), `${type} ${f} ${JSON.stringify(value)}`).toBeUndefined();
}

function refuses(shape: OpShape, cases: Array<[...Case, "f" | "value"]>): void {
  for (const [type, f, value, field] of cases) {
    expect(shape.checkOp(op(type, f, value))?.field, `${type} ${f} ${JSON.stringify(value)}`).toBe(field);
  }
}

describe("op values per workload", () => {
  it("set: add carries one element, reads return lists of elements", () => {
    const set = createWorkload("set");
    accepts(set, [
      ["invoke", "add", 3],
      ["ok", "add", 3],
      ["info", "add", undefined],
      ["invoke", "add", "7"],
      ["invoke", "read", undefined],
      ["invoke", "read", null],
      ["ok", "read", []],
      ["ok", "read", [1, "2"]],
      ["ok", "final-read", [0, 1, 2]],
      ["ok", "read", [1, null]],
      ["info", "read", undefined],
      ["fail", "final-read", null],
    ]);
    refuses(set, [
      ["ok", "read", "oops", "value"],
      ["invoke", "add", { a: 1 }, "value"],
      ["invoke", "add", undefined, "value"],
      ["ok", "read", null, "value"],
      ["ok", "final-read", [1, [2]], "value"],
      ["ok", "read", [{ a: 1 }], "value"],
      ["invoke", "read", "oops", "value"],
      ["invoke", "delete", 1, "f"],
    ]);
  });

  it("counter: add carries a number, reads return a number or nil", () => {
    const counter = createWorkload("counter");
    accepts(counter, [
      ["invoke", "add", 3],
      ["ok", "add", 3],
      ["info", "add", undefined],
      ["invoke", "add", "4"],
      ["invoke", "add", -2],
      ["invoke", "read", undefined],
      ["ok", "read", 12],
      ["ok", "read", null],
      ["ok", "final-read", "12"],
    ]);
    refuses(counter, [
      ["invoke", "add", "x", "value"],
      ["invoke", "add", [1], "value"],
      ["invoke", "add", undefined, "value"],
      ["ok", "read", [1], "value"],
      ["ok", "final-read", { n: 1 }, "value"],
      ["ok", "read", "", "value"],
      ["invoke", "incr", 1, "f"],
    ]);
  });

  it("queue: enqueue carries a job, dequeue returns one or nil, drains return lists", () => {
    const queue = createWorkload("queue");
    accepts(queue, [
      ["invoke", "enqueue", 1],
      ["ok", "enqueue", 1],
      ["info", "enqueue", undefined],
      ["invoke", "dequeue", undefined],
      ["ok", "dequeue", 4],
      ["ok", "dequeue", null],
      ["ok", "dequeue", [4, 5]],
      ["ok", "drain", []],
      ["ok", "drain-inflight", [1, 2]],
      ["info", "drain", undefined],
    ]);
    refuses(queue, [
      ["invoke", "enqueue", { a: 1 }, "value"],
      ["ok", "dequeue", { a: 1 }, "value"],
      ["ok", "drain", "oops", "value"],
      ["ok", "drain-inflight", null, "value"],
      ["invoke", "push", 1, "f"],
    ]);
  });

  it("register: the workload takes exactly what the register model takes", () => {
    const register = createWorkload("register");
    for (const c of [
      op("ok", "read", [1]),
      op("invoke", "cas", 1),
      op("invoke", "write", 2),
      op("invoke", "incr", 1),
    ]) {
      expect(register.checkOp(c)).toEqual(registerModel.checkOp(c));
    }
  });

  it("every workload refuses an f it never records, so a new workload cannot skip the check", () => {
    for (const name of Object.keys(WORKLOADS))
      expect(createWorkload(name).checkOp(op("invoke", "no-such-op"))?.field).toBe("f");
  });
});

describe("op values per model", () => {
  it("register: scalar reads and writes, cas a pair, nil on read invocations as Jepsen writes them", () => {
    accepts(registerModel, [
      ["invoke", "read", null],
      ["invoke", "read", undefined],
      ["ok", "read", 3],
      ["ok", "read", "3"],
      ["ok", "read", null],
      ["ok", "get", true],
      ["info", "read", undefined],
      ["invoke", "write", 1],
      ["ok", "write", "x"],
      ["invoke", "set", null],
      ["invoke", "cas", [1, 2]],
      ["ok", "cas", [1, 2]],
      ["fail", "cas", [null, "a"]],
      ["info", "cas", undefined],
      ["ok", "cas", null],
    ]);
    refuses(registerModel, [
      ["ok", "read", [1, 2], "value"],
      ["ok", "read", { a: 1 }, "value"],
      ["invoke", "write", [1], "value"],
      ["invoke", "cas", 1, "value"],
      ["invoke", "cas", [1], "value"],
      ["invoke", "cas", [1, 2, 3], "value"],
      ["invoke", "cas", [[1], 2], "value"],
      ["invoke", "cas", undefined, "value"],
      ["ok", "cas", "x", "value"],
      ["invoke", "append", "x", "f"],
    ]);
  });

  it("kv: scalar gets, puts and appends", () => {
    accepts(kvModel, [
      ["invoke", "get", null],
      ["ok", "get", "abc"],
      ["ok", "get", null],
      ["invoke", "put", "x"],
      ["invoke", "append", "y"],
      ["ok", "append", 3],
    ]);
    refuses(kvModel, [
      ["ok", "get", ["a"], "value"],
      ["invoke", "put", { a: 1 }, "value"],
      ["invoke", "append", [1], "value"],
      ["invoke", "cas", [1, 2], "f"],
    ]);
  });
});

describe("checkOpShapes", () => {
  const set = createWorkload("set");

  it("names file, line, field, the value found and what was expected", () => {
    const history: Op[] = [
      { index: 0, process: 0, type: "invoke", f: "read", key: "set:{0}" },
      { index: 1, process: 0, type: "ok", f: "read", key: "set:{0}", value: "oops" },
    ];
    let err: unknown;
    try {
      checkOpShapes(history, { file: "run/history.jsonl", lines: [3, 7] }, () => set, "workload");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HistoryFormatError);
    expect((err as Error).message).toBe(
      'run/history.jsonl:7: field value of this :ok read is "oops", but the set workload expects a list of elements like [1, 2, 3]',
    );
  });

  it("leaves nemesis ops and ops nobody reads alone", () => {
    const history: Op[] = [
      { index: 0, process: "nemesis", type: "info", f: "start", value: { any: ["thing"] } },
      { index: 1, process: 5, type: "invoke", f: "anything", value: { a: 1 } },
    ];
    expect(() =>
      checkOpShapes(history, { file: "h" }, (o) => (o.process === 5 ? undefined : set), "workload"),
    ).not.toThrow();
  });

  it("accepts every shipped fixture under the model check picks (EDN tuples, nil reads, :info without values)", () => {
    const dir = join(packageRoot, "test/fixtures/histories");
    for (const name of [
      "independent.edn",
      "jepsen.log",
      "records.edn",
      "register.jsonl",
      "stale-read.jsonl",
      "truncated.jsonl",
    ]) {
      const parsed = parseHistory(readFileSync(join(dir, name), "utf8"), "auto", name);
      expect(() =>
        checkOpShapes(parsed.history, { file: name, lines: parsed.lines }, () => registerModel, "model"),
      ).not.toThrow();
    }
  });
});
