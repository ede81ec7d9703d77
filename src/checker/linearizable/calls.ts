import { UsageError } from "../../core/exit.js";
import type { History, Op, Process } from "../../history/op.js";
import type { Call, Model } from "../../models/model.js";

export interface PairedHistory {
  calls: Call[];
  /** Client invocations in the history, whatever became of them. */
  invocations: number;
  failed: number;
  pending: number;
  /** Pending reads and the like: no effect whatever happened, so the search never sees them. */
  dropped: number;
  timed: boolean;
}

/**
 * Pairs each client invocation with its completion (by process: a process runs one operation at a time), drops
 * `fail`s, and turns `info`s and unanswered invocations into pending calls. Real time is the ops' `time` when every
 * client op has one, otherwise the order of the lines.
 */
export function pairCalls(history: History, model: Model): PairedHistory {
  // One pass without copying the history (it can be millions of ops): are all client ops timed, how many invoke.
  let clientOps = 0;
  let invocations = 0;
  let allTimed = true;
  for (const op of history) {
    if (op.process === "nemesis") continue;
    clientOps++;
    if (op.type === "invoke") invocations++;
    if (allTimed && !(typeof op.time === "number" && Number.isFinite(op.time))) allTimed = false;
  }
  const timed = clientOps > 0 && allTimed;
  const at = (op: Op, line: number): number => (timed ? (op.time as number) : line);

  // Each open invocation's line (1-based): the op is history[line - 1], so pairing allocates nothing per op.
  const open = new Map<Process, number>();
  const out: Call[] = [];
  let failed = 0;
  let pending = 0;
  let dropped = 0;

  const emit = (invoke: Op, line: number, completion: Op | undefined, completionLine: number): void => {
    const decoded = model.decode(invoke, completion);
    if (decoded === null) {
      dropped++;
      return;
    }
    out.push({
      id: invoke.index,
      completionId: completion ? completion.index : null,
      process: invoke.process,
      f: invoke.f,
      key: invoke.key ?? completion?.key ?? null,
      input: decoded.input,
      output: completion ? decoded.output : undefined,
      pending: !completion,
      call: at(invoke, line),
      ret: completion ? at(completion, completionLine) : Infinity,
    });
  };

  let line = 0;
  for (const op of history) {
    line++;
    if (op.process === "nemesis") continue;
    if (op.type === "invoke") {
      const prior = open.get(op.process);
      if (prior !== undefined) {
        throw new UsageError(
          `op ${op.index}: process ${op.process} invokes again while its op ${history[prior - 1]!.index} is still open`,
          "a process runs one operation at a time; after an info the client must take a new process id",
        );
      }
      open.set(op.process, line);
      continue;
    }
    const invLine = open.get(op.process);
    if (invLine === undefined) {
      throw new UsageError(
        `op ${op.index}: process ${op.process} completes (${op.type}) an operation it never invoked`,
        "every ok/fail/info needs an earlier invoke by the same process",
      );
    }
    open.delete(op.process);
    const inv = history[invLine - 1]!;
    if (timed && (op.time as number) < (inv.time as number)) {
      throw new UsageError(
        `op ${op.index}: completes at time ${op.time}, before its invocation ${inv.index} at ${inv.time}`,
      );
    }
    if (op.type === "fail") {
      failed++;
    } else if (op.type === "info") {
      pending++;
      emit(inv, invLine, undefined, 0);
    } else {
      emit(inv, invLine, op, line);
    }
  }
  // A run that died half-way leaves invocations without an answer: they are indeterminate, like info.
  for (const l of open.values()) {
    pending++;
    emit(history[l - 1]!, l, undefined, 0);
  }
  return { calls: out, invocations, failed, pending, dropped, timed };
}
