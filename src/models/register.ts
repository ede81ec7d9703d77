import { UsageError } from "../core/exit.js";
import type { Op } from "../history/op.js";
import { isNil, isScalar, type OpProblem, SCALAR } from "../history/values.js";
import type { Call, Decoded, Model, StepResult } from "./model.js";
import { canonicalValue, partitionByKey, showValue, type Value } from "./value.js";

/** A single register per key: read, write and compare-and-set. Null is "unset", the initial state. */
export type RegisterInput = { f: "read" } | { f: "write"; value: Value } | { f: "cas"; from: Value; to: Value };
/** A read's result; writes and successful cas carry no information beyond having happened. */
export type RegisterOutput = Value;

const READ = new Set(["read", "get", "r"]);
const WRITE = new Set(["write", "set", "put", "w"]);
const CAS = new Set(["cas", "compare-and-set"]);

function decode(invoke: Op, completion: Op | undefined): Decoded<RegisterInput, RegisterOutput> {
  const f = invoke.f;
  if (READ.has(f)) {
    // A read whose result is unknown says nothing about the register.
    if (!completion) return null;
    return { input: { f: "read" }, output: canonicalValue(completion.value) };
  }
  if (WRITE.has(f)) {
    return {
      input: { f: "write", value: canonicalValue(invoke.value ?? completion?.value) },
      output: completion ? null : undefined,
    };
  }
  if (CAS.has(f)) {
    const v = invoke.value ?? completion?.value;
    if (!Array.isArray(v) || v.length !== 2) {
      throw new UsageError(
        `op ${invoke.index}: a cas needs the value [old, new], got ${JSON.stringify(v)}`,
        "record compare-and-set operations with value [expected, new]",
      );
    }
    return {
      input: { f: "cas", from: canonicalValue(v[0]), to: canonicalValue(v[1]) },
      output: completion ? null : undefined,
    };
  }
  throw new UsageError(
    `op ${invoke.index}: the register model does not know the operation "${f}"`,
    "the register model takes read/get, write/set and cas; use --model kv for put/append histories",
  );
}

const PAIR = `[old, new], two of ${SCALAR}`;

function checkOp(op: Op): OpProblem | undefined {
  const v = op.value;
  if (READ.has(op.f)) {
    // Only what a read returned matters; Jepsen writes nil on the invocation, and :info/:fail carry nothing used.
    if (op.type === "ok" && !isScalar(v)) return { field: "value", expected: `the value read: ${SCALAR}` };
    return undefined;
  }
  if (WRITE.has(op.f)) return isScalar(v) ? undefined : { field: "value", expected: `the value written: ${SCALAR}` };
  if (CAS.has(op.f)) {
    const pair = Array.isArray(v) && v.length === 2 && isScalar(v[0]) && isScalar(v[1]);
    // The invocation says what the cas compares and sets; a completion may repeat it or leave it out.
    if (pair || (op.type !== "invoke" && isNil(v))) return undefined;
    return { field: "value", expected: PAIR };
  }
  return { field: "f", expected: "read/get, write/set/put or cas (put/append histories need --model kv)" };
}

function step(state: Value, input: RegisterInput, output: RegisterOutput | undefined): StepResult<Value> {
  switch (input.f) {
    case "read":
      return output === state ? { ok: true, next: state } : false;
    case "write":
      return { ok: true, next: input.value };
    case "cas":
      // An ok cas succeeded, so the register held `from`; a pending one that took effect did too. A cas that
      // found another value changed nothing, which is the same as never taking effect: the checker covers that.
      return state === input.from ? { ok: true, next: input.to } : false;
  }
}

/**
 * A pending write (or cas) of a value no read returns and no cas expects leaves the register in a state that must
 * be overwritten before anyone looks, exactly as if it never happened.
 */
function pruneUnobserved(calls: readonly Call<RegisterInput, RegisterOutput>[]): Call<RegisterInput, RegisterOutput>[] {
  // Most partitions have no pending call at all: nothing to drop, and no need to gather what is read.
  if (!calls.some((c) => c.pending)) return calls as Call<RegisterInput, RegisterOutput>[];
  const observed = new Set<Value>();
  for (const c of calls) {
    if (c.input.f === "read" && c.output !== undefined) observed.add(c.output);
    if (c.input.f === "cas") observed.add(c.input.from);
  }
  return calls.filter((c) => {
    if (!c.pending) return true;
    if (c.input.f === "write") return observed.has(c.input.value);
    if (c.input.f === "cas") return observed.has(c.input.to);
    return true;
  });
}

function describeOp(input: RegisterInput, output: RegisterOutput | undefined): string {
  const tail = output === undefined && input.f !== "read" ? " (pending)" : "";
  switch (input.f) {
    case "read":
      return `read -> ${output === undefined ? "?" : showValue(output)}`;
    case "write":
      return `write ${showValue(input.value)}${tail}`;
    case "cas":
      return `cas ${showValue(input.from)} -> ${showValue(input.to)}${tail}`;
  }
}

export const registerModel: Model<Value, RegisterInput, RegisterOutput> = {
  name: "register",
  decode,
  checkOp,
  init: () => null,
  step,
  equal: (a, b) => a === b,
  // The value itself (null as a number no string equals): the checker keys a Map by it, hashed natively.
  hash: (s) => (s === null ? 0 : s),
  partition: partitionByKey,
  pruneUnobserved,
  describeOp,
  describeState: (s) => (s === null ? "unset" : showValue(s)),
};
