import { UsageError } from "../core/exit.js";
import type { Op } from "../history/op.js";
import { isScalar, type OpProblem, SCALAR } from "../history/values.js";
import type { Call, Decoded, Model, StepResult } from "./model.js";
import { canonicalValue, partitionByKey } from "./value.js";

/**
 * A string per key with get, put and append; every key starts as "". The checker partitions by key, so a state
 * is the string of one key. A get of a missing key (Redis answers nil) reads "".
 */
export type KvInput = { f: "get" } | { f: "put"; value: string } | { f: "append"; value: string };
export type KvOutput = string;

const GET = new Set(["get", "read", "r"]);
const PUT = new Set(["put", "set", "write", "w"]);
const APPEND = new Set(["append"]);

const asString = (v: unknown): string => canonicalValue(v) ?? "";

function decode(invoke: Op, completion: Op | undefined): Decoded<KvInput, KvOutput> {
  const f = invoke.f;
  if (GET.has(f)) {
    if (!completion) return null;
    return { input: { f: "get" }, output: asString(completion.value) };
  }
  // The result of a put or append (Redis answers OK or the new length) adds nothing the state does not say.
  if (PUT.has(f))
    return {
      input: { f: "put", value: asString(invoke.value ?? completion?.value) },
      output: completion ? "" : undefined,
    };
  if (APPEND.has(f)) {
    return {
      input: { f: "append", value: asString(invoke.value ?? completion?.value) },
      output: completion ? "" : undefined,
    };
  }
  throw new UsageError(
    `op ${invoke.index}: the kv model does not know the operation "${f}"`,
    "the kv model takes get/read, put/set/write and append; use --model register for cas histories",
  );
}

function checkOp(op: Op): OpProblem | undefined {
  if (GET.has(op.f)) {
    if (op.type === "ok" && !isScalar(op.value)) return { field: "value", expected: `the string read: ${SCALAR}` };
    return undefined;
  }
  if (PUT.has(op.f) || APPEND.has(op.f)) {
    return isScalar(op.value) ? undefined : { field: "value", expected: `the string to ${op.f}: ${SCALAR}` };
  }
  return { field: "f", expected: "get/read, put/set/write or append (cas histories need --model register)" };
}

function step(state: string, input: KvInput, output: KvOutput | undefined): StepResult<string> {
  switch (input.f) {
    case "get":
      return output === state ? { ok: true, next: state } : false;
    case "put":
      return { ok: true, next: input.value };
    case "append":
      return { ok: true, next: state + input.value };
  }
}

/**
 * After a put of v, every state starts with v until the next put; after an append of a, every state contains a
 * until the next put. If no get shows that, the pending put or append was overwritten unseen: as if it never ran.
 */
function pruneUnobserved(calls: readonly Call<KvInput, KvOutput>[]): Call<KvInput, KvOutput>[] {
  // Most partitions have no pending call at all: nothing to drop, and no need to gather what is read.
  if (!calls.some((c) => c.pending)) return calls as Call<KvInput, KvOutput>[];
  const reads = calls.flatMap((c) => (c.input.f === "get" && c.output !== undefined ? [c.output] : []));
  return calls.filter((c) => {
    if (!c.pending) return true;
    const input = c.input;
    if (input.f === "put") return reads.some((r) => r.startsWith(input.value));
    if (input.f === "append") return reads.some((r) => r.includes(input.value));
    return true;
  });
}

function describeOp(input: KvInput, output: KvOutput | undefined): string {
  switch (input.f) {
    case "get":
      return `get -> ${output === undefined ? "?" : JSON.stringify(output)}`;
    case "put":
      return `put ${JSON.stringify(input.value)}${output === undefined ? " (pending)" : ""}`;
    case "append":
      return `append ${JSON.stringify(input.value)}${output === undefined ? " (pending)" : ""}`;
  }
}

export const kvModel: Model<string, KvInput, KvOutput> = {
  name: "kv",
  decode,
  checkOp,
  init: () => "",
  step,
  equal: (a, b) => a === b,
  // The state itself: the checker keys a Map by it, which hashes a string natively and once.
  hash: (s) => s,
  partition: partitionByKey,
  pruneUnobserved,
  describeOp,
  describeState: (s) => JSON.stringify(s),
};
