import { at, collapsed, count, esc, table } from "../core/html.js";
import type { OpMoments } from "./kind.js";

/**
 * What the checkers' report sections share. Evidence tables are never sampled: a long one is folded behind <details>
 * with its row count and shows its first PAGE_ROWS rows in order; the rest are in the checker's evidence file, which
 * the report links under the checker (results.json for a run checked before evidence files).
 */

/** Rows shown unfolded; longer tables start collapsed. */
export const OPEN_ROWS = 100;

/**
 * Rows one table puts in the page. A default 60 s run lost 66,063 elements, 4 MB of table; a page that size is slow
 * to open and no one reads past the first screens, while the evidence file keeps every row.
 */
export const PAGE_ROWS = 2000;

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

/** A table of `items`, one row each by `cells`, of which only the first PAGE_ROWS are rendered. */
export function fold<T>(title: string, items: readonly T[], head: string[], cells: (item: T) => string[]): string {
  const shown = items.slice(0, PAGE_ROWS);
  const rest = items.length - shown.length;
  const body =
    table(head, shown.map(cells), "evidence") +
    (rest > 0
      ? `<p class="note">The first ${count(shown.length)} rows of ${count(items.length)}; all of them are in this checker's evidence file, linked below.</p>`
      : "");
  if (items.length <= OPEN_ROWS) return `<h4>${title}</h4>${body}`;
  return collapsed(
    rest > 0
      ? `${title}: ${count(items.length)} rows (click to show the first ${count(shown.length)})`
      : `${title}: ${count(items.length)} rows (click to show all)`,
    body,
  );
}

/** The acknowledgement moments of these invocations, where the timeline has them. */
export function ackMoments(t: OpMoments, invocations: number[]): number[] {
  return invocations.map((i) => t.byIndex.get(i)?.end).filter((x): x is number => x !== undefined);
}
