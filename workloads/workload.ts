import type { Checker } from "../src/checker/checker.js";
import type { RedisClient } from "../src/client/connect.js";
import type { CommandSession } from "../src/client/session.js";
import type { Rng } from "../src/core/rng.js";
import type { Op } from "../src/history/op.js";
import type { OpProblem } from "../src/history/values.js";

export type { RedisClient };

/** The invocation a generator proposes; the runner stamps index, time and process on it. */
export interface Invocation {
  f: string;
  key?: string | number;
  value?: unknown;
}

/** A completed op as the workload sees it; errors thrown by `apply` are classified by src/client/outcome.ts. */
export interface Completion {
  type: "ok" | "fail";
  value?: unknown;
  error?: string;
}

/**
 * A workload generates ops for a process, applies one op through the client, and declares its checkers and
 * the final reads it needs after the cluster heals. One file per workload in workloads/.
 */
export interface Workload {
  readonly name: string;
  /** Next invocation for a client process; called only when that process is idle. */
  next(process: number, rng: Rng): Invocation;
  /**
   * Performs the op through the process's session (src/client/session.ts; never the raw client: the session records whether the command
   * was written and where, which decides fail vs info). Returns ok/fail for definite outcomes; throws otherwise.
   */
  apply(session: CommandSession, op: Invocation): Promise<Completion>;
  /** Final reads after healing, recorded as ordinary ops (f = "read" for set, "final-read" ...). */
  finalReads(): Invocation[];
  /** Checkers for this workload's ops (the runner feeds each the history filtered to this workload). */
  checkers(): Checker[];
  /**
   * Whether one recorded op (invocation or completion) of this workload has a known f and a value its checkers
   * read as intended; checked on every op of a saved history before the checkers run (src/history/values.ts).
   */
  checkOp(op: Op): OpProblem | undefined;
  /** What apply() and the final reads send, in words, for `--dry-run` on an existing deployment. */
  readonly commands: string;
  /** The server keys an invocation touches, for `--dry-run`; absent: its `key`. */
  keysOf?(inv: Invocation): string[];
}

/** Options every workload factory receives; each workload reads what it needs. */
export interface WorkloadOptions {
  /** `--keys`: how many keys (registers, sets) the workload spreads over. */
  keys?: number;
  /** `--txn`: how the list-append workload makes a transaction atomic (MULTI/EXEC or one Lua script). */
  txn?: "multi" | "lua";
}

export type WorkloadFactory = (opts: WorkloadOptions) => Workload;

export type { CommandSession, Op };
