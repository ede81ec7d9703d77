import { createHash } from "node:crypto";
import type { Checker } from "../src/checker/checker.js";
import { listAppendChecker, txnOpProblem } from "../src/checker/list-append/index.js";
import { TXN } from "../src/checker/list-append/txn.js";
import type { Rng } from "../src/core/rng.js";
import type { Op } from "../src/history/op.js";
import type { OpProblem } from "../src/history/values.js";
import type { CommandSession, Completion, Invocation, Workload, WorkloadOptions } from "./workload.js";

/**
 * Elle's list-append over Redis lists: each op is a transaction (`f: "txn"`) of 1-4 micro-ops, `["append", k, v]`
 * (RPUSH of a value unique in the run) or `["r", k, nil]` (LRANGE 0 -1), run atomically by MULTI/EXEC or, with
 * `--txn lua`, by one Lua script. Checked by the list-append checker (src/checker/list-append/).
 *
 * Keys are small integers in `GROUPS` independent groups; a transaction stays inside one group, and a group's keys
 * share a hash tag, so in Redis Cluster a transaction's keys are on one slot. Each group works on a window of its
 * newest `WINDOW` keys, and a key takes at most `APPENDS_PER_KEY` appends before the group moves to a new one: reads
 * stay short and the history grows linearly with the ops, however long the run.
 */

export type TxnMode = "multi" | "lua";
export const TXN_MODES: readonly TxnMode[] = ["multi", "lua"];

export const GROUPS = 4;
const WINDOW = 3;
export const APPENDS_PER_KEY = 32;
const MAX_MOPS = 4;

/** The Redis key of list `k`: its group's hash tag, then the key. */
export function listKey(k: number): string {
  return `append:{${k % GROUPS}}:${k}`;
}

/**
 * One transaction in one script: KEYS are the micro-ops' keys in order, ARGV pairs say what to do with each ("a"
 * and the value, or "r" and ""). Replies in order: RPUSH's length or LRANGE's list.
 */
export const TXN_SCRIPT =
  "local out = {} for i, k in ipairs(KEYS) do if ARGV[2*i-1] == 'a' then out[i] = redis.call('rpush', k, ARGV[2*i]) " +
  "else out[i] = redis.call('lrange', k, 0, -1) end end return out";
export const TXN_SHA = createHash("sha1").update(TXN_SCRIPT).digest("hex");

type Mop = ["append", number, number] | ["r", number, number[] | null];

interface Group {
  /** Newest key of the group (a multiple of GROUPS plus the group). */
  newest: number;
  /** Appends handed out per key still in the window. */
  appends: Map<number, number>;
}

export class ListAppendWorkload implements Workload {
  readonly name = "list-append";
  readonly commands = "MULTI, RPUSH, LRANGE, EXEC (with --txn lua: EVALSHA/EVAL of one script doing the same)";
  private readonly mode: TxnMode;
  private nextValue = 1;
  private readonly groups: Group[] = Array.from({ length: GROUPS }, (_, g) => ({
    newest: g,
    appends: new Map([[g, 0]]),
  }));
  /** Every key handed out, for the final reads. */
  private maxKey = GROUPS - 1;

  constructor(opts: WorkloadOptions = {}) {
    this.mode = opts.txn ?? "multi";
  }

  next(_process: number, rng: Rng): Invocation {
    const group = this.groups[rng.int(GROUPS)]!;
    const mops: Mop[] = [];
    for (let i = 0, n = 1 + rng.int(MAX_MOPS); i < n; i++) {
      const back = rng.int(WINDOW);
      const k = Math.max(group.newest - back * GROUPS, group.newest % GROUPS);
      const used = group.appends.get(k) ?? APPENDS_PER_KEY;
      if (rng.next() < 0.5 && used < APPENDS_PER_KEY) {
        mops.push(["append", k, this.nextValue++]);
        group.appends.set(k, used + 1);
        if (k === group.newest && used + 1 >= APPENDS_PER_KEY) this.advance(group);
      } else mops.push(["r", k, null]);
    }
    return { f: TXN, value: mops };
  }

  keysOf(inv: Invocation): string[] {
    return ((inv.value as Mop[] | undefined) ?? []).map((m) => listKey(m[1]));
  }

  private advance(group: Group): void {
    group.newest += GROUPS;
    this.maxKey = Math.max(this.maxKey, group.newest);
    group.appends.set(group.newest, 0);
    // Keys out of the window take no more appends (reads of them are left to the final reads).
    for (const k of group.appends.keys()) if (k <= group.newest - WINDOW * GROUPS) group.appends.delete(k);
  }

  async apply(session: CommandSession, op: Invocation): Promise<Completion> {
    if (op.f !== TXN) throw new Error(`list-append workload cannot apply f=${op.f}`);
    const mops = op.value as Mop[];
    const replies = this.mode === "lua" ? await this.viaScript(session, mops) : await this.viaMulti(session, mops);
    if (mops.some((m) => m[0] === "append")) await session.confirm();
    return {
      type: "ok",
      value: mops.map((m, i): Mop => {
        if (m[0] === "append") return m;
        const list = replies[i];
        if (!Array.isArray(list)) throw new Error(`LRANGE of ${listKey(m[1])} returned ${typeof list}`);
        return ["r", m[1], list.map(Number)];
      }),
    };
  }

  private viaMulti(session: CommandSession, mops: Mop[]): Promise<unknown[]> {
    const commands = mops.map(([f, k, v]): [string, string[]] =>
      f === "append" ? ["rpush", [listKey(k), String(v)]] : ["lrange", [listKey(k), "0", "-1"]],
    );
    return session.multi(commands, listKey(mops[0]![1]));
  }

  private async viaScript(session: CommandSession, mops: Mop[]): Promise<unknown[]> {
    const keys = mops.map((m) => listKey(m[1]));
    const argv = mops.flatMap(([f, , v]) => (f === "append" ? ["a", String(v)] : ["r", ""]));
    const args = [keys.length, ...keys, ...argv];
    try {
      return (await session.call("evalsha", [TXN_SHA, ...args])) as unknown[];
    } catch (e) {
      // NOSCRIPT: the server (a new primary after failover, say) does not have it yet, and nothing ran.
      if (!(e instanceof Error && e.name === "ReplyError" && e.message.startsWith("NOSCRIPT"))) throw e;
      return (await session.call("eval", [TXN_SCRIPT, ...args])) as unknown[];
    }
  }

  /** After healing, one read-only transaction per key ever used. */
  finalReads(): Invocation[] {
    return Array.from({ length: this.maxKey + 1 }, (_, k) => ({ f: TXN, value: [["r", k, null]] }));
  }

  checkOp(op: Op): OpProblem | undefined {
    return txnOpProblem(op);
  }

  checkers(): Checker[] {
    return [listAppendChecker()];
  }
}
