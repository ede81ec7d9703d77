import { createHash } from "node:crypto";
import type { Checker } from "../src/checker/checker.js";
import { checkLinearizable, type LinearizableOptions } from "../src/checker/linearizable/index.js";
import type { Rng } from "../src/core/rng.js";
import type { Op } from "../src/history/op.js";
import type { OpProblem } from "../src/history/values.js";
import { registerModel } from "../src/models/index.js";
import type { CommandSession, Completion, Invocation, Workload, WorkloadOptions } from "./workload.js";

/**
 * Per-key registers, checked for linearizability with the `register` model: f is read | write | cas, values are
 * small integers (few values make concurrent writes collide, which is where anomalies show), cas carries [old, new].
 */

export const DEFAULT_KEYS = 8;
const VALUES = 5;

/**
 * Compare-and-set in one server-side step. Returns 1 if it set, 0 if the current value differed (nothing written).
 * Only GET and SET: the script cannot fail between them, so a script error means nothing was written.
 */
export const CAS_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2]); return 1 else return 0 end";

/** What EVALSHA names the script by: its SHA-1, as the server computes it. */
export const CAS_SHA = createHash("sha1").update(CAS_SCRIPT).digest("hex");

/** The server's "NOSCRIPT" refusal: the script is not in its cache, and nothing ran. */
function isNoScript(e: unknown): boolean {
  return e instanceof Error && e.name === "ReplyError" && e.message.startsWith("NOSCRIPT");
}

export function registerKey(i: number): string {
  // One hash tag per register keeps a key's ops on one slot without forcing all registers onto one node.
  return `register:{${i}}`;
}

export class RegisterWorkload implements Workload {
  readonly name = "register";
  readonly commands = "GET, SET, EVALSHA/EVAL of a compare-and-set script (GET then SET of the one key it names)";
  private readonly keys: number;

  constructor(opts: WorkloadOptions = {}) {
    this.keys = opts.keys ?? DEFAULT_KEYS;
    if (!Number.isInteger(this.keys) || this.keys < 1)
      throw new RangeError(`register needs keys >= 1, got ${opts.keys}`);
  }

  next(_process: number, rng: Rng): Invocation {
    const key = registerKey(rng.int(this.keys));
    const roll = rng.next();
    if (roll < 0.5) return { f: "read", key };
    if (roll < 0.75) return { f: "write", key, value: rng.int(VALUES) };
    return { f: "cas", key, value: [rng.int(VALUES), rng.int(VALUES)] };
  }

  async apply(session: CommandSession, op: Invocation): Promise<Completion> {
    const key = String(op.key);
    switch (op.f) {
      case "read": {
        const v = await session.call("get", [key]);
        return { type: "ok", value: v === null ? null : Number(v) };
      }
      case "write": {
        await session.write("set", [key, String(op.value)]);
        return { type: "ok", value: op.value };
      }
      case "cas": {
        const [from, to] = op.value as [number, number];
        // By digest: the server then neither receives nor hashes the script body on every cas. A server that does
        // not have it yet (first use, a new primary after failover) refuses with NOSCRIPT before running anything,
        // so sending the body then is still one attempt at one compare-and-set.
        const args = [1, key, String(from), String(to)];
        let set: unknown;
        try {
          set = await session.call("evalsha", [CAS_SHA, ...args]);
        } catch (e) {
          if (!isNoScript(e)) throw e;
          set = await session.call("eval", [CAS_SCRIPT, ...args]);
        }
        if (Number(set) !== 1) return { type: "fail", value: op.value, error: `cas: value was not ${from}` };
        await session.confirm();
        return { type: "ok", value: op.value };
      }
      default:
        throw new Error(`register workload cannot apply f=${op.f}`);
    }
  }

  /** One read per register after healing; recorded like any read so the checker sees the final state. */
  finalReads(): Invocation[] {
    return Array.from({ length: this.keys }, (_, i) => ({ f: "read", key: registerKey(i) }));
  }

  /** Exactly what the register model decodes. */
  checkOp(op: Op): OpProblem | undefined {
    return registerModel.checkOp(op);
  }

  checkers(): Checker[] {
    return [
      {
        name: "linearizable",
        // The runner passes the linearizability limits (time, cache, workers) through the checker options.
        check: (history, opts) => checkLinearizable(history, registerModel, (opts ?? {}) as LinearizableOptions),
      },
    ];
  }
}
