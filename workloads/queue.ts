import type { Checker } from "../src/checker/checker.js";
import { queueChecker } from "../src/checker/queue.js";
import type { Rng } from "../src/core/rng.js";
import type { Op } from "../src/history/op.js";
import { ELEMENT, isElement, isElementList, isNil, listReadProblem, type OpProblem } from "../src/history/values.js";
import type { CommandSession, Completion, Invocation, Workload } from "./workload.js";

/**
 * Producers LPUSH unique jobs; consumers take them with RPOPLPUSH onto an in-flight list, so a job popped by a
 * dequeue whose reply was lost is still found at the end instead of looking lost. Both keys share a hash tag (one
 * slot), as RPOPLPUSH needs on a cluster. Final reads: the jobs left in the queue and the in-flight list.
 */

export const QUEUE_KEY = "queue:{q}:jobs";
export const INFLIGHT_KEY = "queue:{q}:inflight";
const ENQUEUE_SHARE = 0.5;

export class QueueWorkload implements Workload {
  readonly name = "queue";
  readonly commands = "LPUSH, RPOPLPUSH, LRANGE";
  private nextJob = 0;

  next(_process: number, rng: Rng): Invocation {
    if (rng.next() < ENQUEUE_SHARE) return { f: "enqueue", key: QUEUE_KEY, value: this.nextJob++ };
    return { f: "dequeue", key: QUEUE_KEY };
  }

  async apply(session: CommandSession, op: Invocation): Promise<Completion> {
    switch (op.f) {
      case "enqueue":
        await session.write("lpush", [QUEUE_KEY, String(op.value)]);
        return { type: "ok", value: op.value };
      case "dequeue": {
        const job = await session.write("rpoplpush", [QUEUE_KEY, INFLIGHT_KEY]);
        return { type: "ok", value: job === null ? null : Number(job) };
      }
      case "drain":
      case "drain-inflight": {
        const key = op.f === "drain" ? QUEUE_KEY : INFLIGHT_KEY;
        const jobs = (await session.call("lrange", [key, 0, -1])) as string[];
        return { type: "ok", value: jobs.map(Number) };
      }
      default:
        throw new Error(`queue workload cannot apply f=${op.f}`);
    }
  }

  finalReads(): Invocation[] {
    return [
      { f: "drain", key: QUEUE_KEY },
      { f: "drain-inflight", key: INFLIGHT_KEY },
    ];
  }

  /** enqueue carries one job; dequeue returns the job popped (nil: empty); the drains return lists of jobs. */
  checkOp(op: Op): OpProblem | undefined {
    const v = op.value;
    switch (op.f) {
      case "enqueue":
        return isElement(v) || (op.type !== "invoke" && isNil(v))
          ? undefined
          : { field: "value", expected: `the job, ${ELEMENT}` };
      case "dequeue":
        return isNil(v) || isElement(v) || isElementList(v)
          ? undefined
          : { field: "value", expected: `the job popped, ${ELEMENT}, or nil` };
      case "drain":
      case "drain-inflight":
        return listReadProblem(op);
      default:
        return { field: "f", expected: "enqueue, dequeue, drain or drain-inflight" };
    }
  }

  checkers(): Checker[] {
    return [queueChecker];
  }
}
