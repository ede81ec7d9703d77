import { HistoryFormatError } from "./errors.js";
import type { History, Op } from "./op.js";
import type { Source } from "./validate.js";

/**
 * Op values checked against the workload or model that will read them, before any checker does. A checker that met
 * `"oops"` where a list belongs would read it as "saw nothing" and report every element lost: malformed input must
 * be refused as input, never judged. What a valid value is lives with each workload and model (`checkOp`); this
 * module only walks the history and words the refusal, so a new workload or model adds one function.
 */

/** What is wrong with one op: the field and, in words, what it should hold. */
export interface OpProblem {
  field: "f" | "value";
  expected: string;
}

/** Anything that knows the ops it reads: a workload or a model. */
export interface OpShape {
  readonly name: string;
  /** Undefined when the op is fine for this reader. Nemesis ops never reach it. */
  checkOp(op: Op): OpProblem | undefined;
}

const MAX_SHOWN = 60;

function shown(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > MAX_SHOWN ? s.slice(0, MAX_SHOWN - 3) + "..." : s;
}

/**
 * Refuses the first client op its reader finds malformed, naming file, line and field. `shapeOf` says who reads an
 * op (undefined: nobody, so anything goes); `kind` words it ("the set workload", "the register model").
 */
export function checkOpShapes(
  history: History,
  source: Source,
  shapeOf: (op: Op) => OpShape | undefined,
  kind: "workload" | "model",
): void {
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (op.process === "nemesis") continue;
    const shape = shapeOf(op);
    const problem = shape?.checkOp(op);
    if (problem === undefined) continue;
    const found = problem.field === "f" ? JSON.stringify(op.f) : shown(op.value);
    throw new HistoryFormatError(
      source.file,
      source.lines?.[i] ?? i + 1,
      `field ${problem.field} of this :${op.type} ${op.f} is ${found}, but the ${shape!.name} ${kind} expects ${problem.expected}`,
      kind === "model"
        ? "fix the line, or pick the model the history was written for with --model (see README, History format)"
        : "the run directory's history was altered or written by another tool; fix the line (see README, History format)",
    );
  }
}

/** Absent and nil are one thing in a history: JSON Lines omit the field, EDN writes nil. */
export function isNil(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** A register or kv value: what Redis can store in a string (numbers and booleans are compared as their text). */
export function isScalar(v: unknown): v is string | number | boolean | null | undefined {
  return isNil(v) || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && !Number.isNaN(v));
}

/** A set member or queue job: one number or string (Redis returns members as strings). */
export function isElement(v: unknown): v is string | number {
  return typeof v === "string" || (typeof v === "number" && Number.isFinite(v));
}

/**
 * What a read returns. A member may be nil: the runner reads members as numbers and JSON writes a member that was
 * not one (NaN) as null; that is the database's answer, for the checker to report as unexpected, not bad input.
 */
export function isElementList(v: unknown): v is Array<string | number | null> {
  return Array.isArray(v) && v.every((e) => e === null || isElement(e));
}

/** A number, or its text as EDN histories sometimes hold it. */
export function isNumeric(v: unknown): boolean {
  if (typeof v === "number") return Number.isFinite(v);
  return typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v));
}

export const SCALAR = "a number, a string, true/false or nil";
export const ELEMENT = "one element (a number or a string)";
export const ELEMENT_LIST = "a list of elements like [1, 2, 3]";

/** A read of a collection (a set's members, a queue's drain): its ok returns the list, other entries carry nil or it. */
export function listReadProblem(op: { type: string; value?: unknown }): OpProblem | undefined {
  if (op.type === "ok") return isElementList(op.value) ? undefined : { field: "value", expected: ELEMENT_LIST };
  return isNil(op.value) || isElementList(op.value)
    ? undefined
    : { field: "value", expected: `nil or ${ELEMENT_LIST}` };
}
