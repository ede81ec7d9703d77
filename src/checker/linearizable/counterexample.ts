import type { Process } from "../../history/op.js";
import type { Call, Model } from "../../models/model.js";

/** One operation drawn on its process's row, porcupine-visualisation style. */
export interface OpRow {
  /** Invocation index in the history. */
  id: number;
  completionId: number | null;
  description: string;
  call: number;
  /** Null when pending (returns at +infinity). */
  ret: number | null;
  /** Position in the longest linearizable prefix, or null when that prefix does not contain it. */
  linearizedAt: number | null;
}

export interface StuckOp {
  id: number;
  process: Process;
  description: string;
  /** Why it cannot be next: the model refuses it in `state`, or it is allowed but every continuation fails. */
  why: "refused" | "dead-end";
  pending: boolean;
}

export interface PartitionCounterexample {
  key: string | number | null;
  /** Real time is nanoseconds when the history has times, otherwise line numbers. */
  timeUnit: "ns" | "line";
  ops: number;
  /** Invocation indices of the longest linearizable prefix found, in linearization order. */
  longestPrefix: number[];
  /** The model state after that prefix, described by the model. */
  stateAfterPrefix: string;
  /** The completed operation whose return forces a decision the prefix cannot make (the earliest return left). */
  blockedBy: number | null;
  /** The operations that could have come next and why none of them could. */
  stuck: StuckOp[];
  rows: Array<{ process: Process; ops: OpRow[] }>;
}

/**
 * Explains a failed partition from the search's longest prefix: replays it to get the state, then lists every
 * call that real time allowed next and what the model said about it. Pure: the search is not re-run.
 */
export function buildCounterexample<S>(
  calls: readonly Call[],
  model: Model<S>,
  longest: readonly number[],
  timed: boolean,
): PartitionCounterexample {
  let state = model.init();
  for (const i of longest) {
    const r = model.step(state, calls[i]!.input, calls[i]!.output);
    // The search only records prefixes the model accepted; a refusal here means a model whose step is impure.
    if (!r) throw new Error(`model ${model.name} refused a step it accepted during the search (op ${calls[i]!.id})`);
    state = r.next;
  }
  const at = new Map<number, number>();
  longest.forEach((i, pos) => at.set(i, pos));
  const rest = calls.map((_, i) => i).filter((i) => !at.has(i));

  let blocked: number | null = null;
  for (const i of rest) {
    if (!calls[i]!.pending && (blocked === null || calls[i]!.ret < calls[blocked]!.ret)) blocked = i;
  }
  const horizon = blocked === null ? Infinity : calls[blocked]!.ret;
  const stuck: StuckOp[] = rest
    .filter((i) => calls[i]!.call <= horizon)
    .map((i) => {
      const c = calls[i]!;
      return {
        id: c.id,
        process: c.process,
        description: model.describeOp(c.input, c.output),
        why: model.step(state, c.input, c.output) ? "dead-end" : "refused",
        pending: c.pending,
      };
    });

  const byProcess = new Map<Process, OpRow[]>();
  calls.forEach((c, i) => {
    let row = byProcess.get(c.process);
    if (!row) byProcess.set(c.process, (row = []));
    row.push({
      id: c.id,
      completionId: c.completionId,
      description: model.describeOp(c.input, c.output),
      call: c.call,
      ret: c.pending ? null : c.ret,
      linearizedAt: at.get(i) ?? null,
    });
  });

  return {
    key: calls[0]?.key ?? null,
    timeUnit: timed ? "ns" : "line",
    ops: calls.length,
    longestPrefix: longest.map((i) => calls[i]!.id),
    stateAfterPrefix: model.describeState(state),
    blockedBy: blocked === null ? null : calls[blocked]!.id,
    stuck,
    rows: [...byProcess.entries()].map(([process, ops]) => ({ process, ops })),
  };
}

/** The counterexample in words, for the human summary of `splitbrain check` and the report. */
export function describeCounterexample(c: PartitionCounterexample): string[] {
  const where = c.key === null ? "the history" : `key ${JSON.stringify(c.key)}`;
  const lines = [
    `${where} is not linearizable (${c.ops} ops): the longest linearizable prefix has ${c.longestPrefix.length} ops` +
      (c.longestPrefix.length ? ` (${abbreviate(c.longestPrefix)})` : "") +
      `, after which the state is ${c.stateAfterPrefix}.`,
  ];
  if (c.blockedBy !== null) {
    lines.push(`op ${c.blockedBy} had returned by then, yet no operation can be linearized next:`);
  }
  for (const s of c.stuck) {
    const tag = s.pending ? ", pending" : "";
    lines.push(
      s.why === "refused"
        ? `  op ${s.id} (process ${s.process}${tag}) ${s.description}: impossible in state ${c.stateAfterPrefix}`
        : `  op ${s.id} (process ${s.process}${tag}) ${s.description}: possible, but nothing linearizable follows`,
    );
  }
  return lines;
}

function abbreviate(ids: readonly number[]): string {
  const shown = ids.length <= 12 ? ids : [...ids.slice(0, 5), "...", ...ids.slice(-5)];
  return `ops ${shown.join(", ")}`;
}
