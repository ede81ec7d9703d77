import type { Checker } from "../src/checker/checker.js";
import { counterChecker } from "../src/checker/counter.js";
import type { Rng } from "../src/core/rng.js";
import type { Op } from "../src/history/op.js";
import { isNil, isNumeric, type OpProblem } from "../src/history/values.js";
import type { CommandSession, Completion, Invocation, Workload } from "./workload.js";

/** INCRBY with small positive deltas on one key, with reads; checked against time-valid bounds. */

export const COUNTER_KEY = "counter:{0}";
const READ_SHARE = 0.2;
const MAX_DELTA = 5;

export class CounterWorkload implements Workload {
  readonly name = "counter";
  readonly commands = "INCRBY, GET";

  next(_process: number, rng: Rng): Invocation {
    if (rng.next() < READ_SHARE) return { f: "read", key: COUNTER_KEY };
    return { f: "add", key: COUNTER_KEY, value: 1 + rng.int(MAX_DELTA) };
  }

  async apply(session: CommandSession, op: Invocation): Promise<Completion> {
    switch (op.f) {
      case "add":
        await session.write("incrby", [COUNTER_KEY, Number(op.value)]);
        return { type: "ok", value: op.value };
      case "read":
      case "final-read": {
        const v = await session.call("get", [COUNTER_KEY]);
        return { type: "ok", value: v === null ? 0 : Number(v) };
      }
      default:
        throw new Error(`counter workload cannot apply f=${op.f}`);
    }
  }

  finalReads(): Invocation[] {
    return [{ f: "final-read", key: COUNTER_KEY }];
  }

  /** add carries its delta; a read returns the counter, nil for a key never incremented (0). */
  checkOp(op: Op): OpProblem | undefined {
    const v = op.value;
    switch (op.f) {
      case "add":
        return isNumeric(v) || (op.type !== "invoke" && isNil(v))
          ? undefined
          : { field: "value", expected: "the delta, a number" };
      case "read":
      case "final-read":
        return isNil(v) || isNumeric(v)
          ? undefined
          : { field: "value", expected: "the counter's value, a number (or nil)" };
      default:
        return { field: "f", expected: "add, read or final-read" };
    }
  }

  checkers(): Checker[] {
    return [counterChecker];
  }
}
