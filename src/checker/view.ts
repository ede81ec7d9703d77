import { at, collapsed, count, esc, table } from "../core/html.js";
import type { OpMoments } from "./kind.js";

/**
 * What the checkers' report sections share. Evidence tables are never sampled: a long one is folded behind <details>
 * with its row count, and every row is still in the page.
 */

/** Rows shown unfolded; longer tables start collapsed. */
export const OPEN_ROWS = 100;

/** Element examples a JUnit failure lists before saying how many more there are. */
export const EXAMPLES = 20;

/** When an op (by invocation index) started or returned, as the page shows moments. */
export function moment(t: OpMoments, index: number | undefined, which: "start" | "end"): string {
  if (index === undefined || index < 0) return "-";
  const op = t.byIndex.get(index);
  if (!op) return `op ${index}`;
  const m = which === "end" ? op.end : op.start;
  return m === undefined ? "never returned" : esc(at(m, t.timed));
}

export function fold(title: string, rows: string[][], head: string[]): string {
  const body = table(head, rows, "evidence");
  return rows.length > OPEN_ROWS
    ? collapsed(`${title}: ${count(rows.length)} rows (click to show all)`, body)
    : `<h4>${title}</h4>${body}`;
}

/** The acknowledgement moments of these invocations, where the timeline has them. */
export function ackMoments(t: OpMoments, invocations: number[]): number[] {
  return invocations.map((i) => t.byIndex.get(i)?.end).filter((x): x is number => x !== undefined);
}
