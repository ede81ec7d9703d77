import { HistoryFormatError } from "./errors.js";
import type { History, Op } from "./op.js";

export interface Source {
  file: string;
  /** `lines[i]` is the line `history[i]` came from; without it, positions are reported as op indexes + 1. */
  lines?: readonly number[];
}

/**
 * Checks the rules every checker relies on, so a bad file is rejected up front instead of being misread:
 * a client process alternates invoke and completion, a completion has the f of the invoke it completes, a
 * process never issues again after an `info`, and times are given for every op or for none.
 * The nemesis is exempt: its ops are records of faults, not operations any checker pairs.
 */
export function validateHistory(history: History, source: Source): void {
  const lineOf = (i: number): number => source.lines?.[i] ?? i + 1;
  const fail = (i: number, message: string): never => {
    throw new HistoryFormatError(source.file, lineOf(i), message);
  };
  const pending = new Map<number, number>();
  const crashed = new Map<number, number>();
  const timed = history.length > 0 && history[0]!.time !== undefined;

  for (let i = 0; i < history.length; i++) {
    const op: Op = history[i]!;
    if ((op.time !== undefined) !== timed) {
      fail(
        i,
        timed
          ? "this op has no time but earlier ones do (expected every op to carry a time, or none)"
          : `this op has a time but line ${lineOf(0)} has none (expected every op to carry a time, or none)`,
      );
    }
    if (op.process === "nemesis") continue;
    const p = op.process;
    const crashIdx = crashed.get(p);
    if (crashIdx !== undefined) {
      fail(
        i,
        `process ${p} appears again after its :info at line ${lineOf(crashIdx)} ` +
          "(expected a crashed process never to issue again: Jepsen gives the client a new process id)",
      );
    }
    const open = pending.get(p);
    if (op.type === "invoke") {
      if (open !== undefined) {
        fail(
          i,
          `process ${p} invokes again while its ${history[open]!.f} from line ${lineOf(open)} has not completed ` +
            "(expected one op at a time per process)",
        );
      }
      pending.set(p, i);
      continue;
    }
    if (open === undefined) {
      fail(i, `process ${p} completes ${op.f} with :${op.type} but has no pending invoke (expected an :invoke first)`);
    }
    const inv = history[open!]!;
    if (inv.f !== op.f) {
      fail(i, `process ${p} completes ${op.f} but invoked ${inv.f} at line ${lineOf(open!)} (expected the same f)`);
    }
    if (inv.key !== undefined && op.key !== undefined && inv.key !== op.key) {
      fail(
        i,
        `process ${p} completes on key ${String(op.key)} but invoked on key ${String(inv.key)} at line ${lineOf(open!)}`,
      );
    }
    pending.delete(p);
    if (op.type === "info") crashed.set(p, i);
  }
}
