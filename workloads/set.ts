import type { Checker } from "../src/checker/checker.js";
import { setChecker } from "../src/checker/set.js";
import type { Rng } from "../src/core/rng.js";
import type { Op } from "../src/history/op.js";
import { ELEMENT, isElement, isNil, listReadProblem, type OpProblem } from "../src/history/values.js";
import type { CommandSession, Completion, Invocation, Workload } from "./workload.js";

/**
 * Unique elements SADDed to sets, read back during the run and after healing; checked with set-full semantics
 * (src/checker/set.ts). Each set takes a bounded number of elements before the workload moves to the next one, so
 * every read returns a bounded list: the history stays linear in the number of ops however long the run.
 */

export const ELEMENTS_PER_SET = 500;
/** Share of ops that are reads; reads go to one of the few most recent sets, where adds are still landing. */
const READ_SHARE = 0.1;
const RECENT_SETS = 3;

export function setKey(i: number): string {
  return `set:{${i}}`;
}

export class SetWorkload implements Workload {
  readonly name = "set";
  readonly commands = "SADD, SMEMBERS (one more set every few hundred adds)";
  private nextElement = 0;
  private currentSet = 0;
  private addsInCurrent = 0;

  next(_process: number, rng: Rng): Invocation {
    if (rng.next() < READ_SHARE) {
      const back = rng.int(Math.min(RECENT_SETS, this.currentSet + 1));
      return { f: "read", key: setKey(this.currentSet - back) };
    }
    const key = setKey(this.currentSet);
    if (++this.addsInCurrent >= ELEMENTS_PER_SET) {
      this.currentSet++;
      this.addsInCurrent = 0;
    }
    return { f: "add", key, value: this.nextElement++ };
  }

  async apply(session: CommandSession, op: Invocation): Promise<Completion> {
    const key = String(op.key);
    switch (op.f) {
      case "add":
        await session.write("sadd", [key, String(op.value)]);
        return { type: "ok", value: op.value };
      case "read":
      case "final-read": {
        const members = (await session.call("smembers", [key])) as string[];
        return { type: "ok", value: members.map(Number).sort((a, b) => a - b) };
      }
      default:
        throw new Error(`set workload cannot apply f=${op.f}`);
    }
  }

  /** A final read of every set that received adds. */
  finalReads(): Invocation[] {
    const used = this.addsInCurrent > 0 ? this.currentSet + 1 : this.currentSet;
    return Array.from({ length: used }, (_, i) => ({ f: "final-read", key: setKey(i) }));
  }

  /** add carries one element (its completion may echo it); a read returns the list of members. */
  checkOp(op: Op): OpProblem | undefined {
    const v = op.value;
    switch (op.f) {
      case "add":
        return isElement(v) || (op.type !== "invoke" && isNil(v)) ? undefined : { field: "value", expected: ELEMENT };
      case "read":
      case "final-read":
        return listReadProblem(op);
      default:
        return { field: "f", expected: "add, read or final-read" };
    }
  }

  checkers(): Checker[] {
    return [setChecker];
  }
}
