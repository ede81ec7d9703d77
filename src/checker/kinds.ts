import { counterKind } from "./counter.view.js";
import type { CheckerKind } from "./kind.js";
import { linearizableKind } from "./linearizable/view.js";
import { listAppendKind } from "./list-append/view.js";
import { queueKind } from "./queue.view.js";
import { setKind } from "./set.view.js";

export type { CheckerKind } from "./kind.js";

/**
 * Every checker kind by the name it reports under: adding a checker is its file, its view and one line here. The
 * report, metrics and compare find a saved result's kind through `checkerKind(outcome.checker)`.
 */
const KINDS: ReadonlyMap<string, CheckerKind> = new Map(
  [setKind, queueKind, counterKind, linearizableKind, listAppendKind].map((k) => [k.name, k]),
);

/** A checker this build does not know (e.g. a results.json from a newer one) is shown generically. */
export function checkerKind(name: string): CheckerKind {
  return KINDS.get(name) ?? { name };
}

export function checkerKinds(): CheckerKind[] {
  return [...KINDS.values()];
}
