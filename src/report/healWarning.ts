import { mayStillBeInPlace } from "../rundir/healFailures.js";
import type { TestRecord } from "../rundir/record.js";
import { esc } from "./html.js";

/**
 * The warning beside the verdict when a heal failed: which fault, why, what it may have left, what became of it,
 * and, when it may still be in place, the command that removes it. Empty when every heal succeeded.
 */
export function healWarning(test: TestRecord): string {
  const records = test.healFailures ?? [];
  if (records.length === 0) return "";
  const open = mayStillBeInPlace(records);
  const title = open.length ? "A fault may still be in place" : "A heal failed";
  const items = records.map(
    (r) =>
      `<li><b>${esc(r.nemesis)}</b> (${r.at === "heal" ? "heal after the workload" : "heal before teardown"}): ${esc(r.error)}.` +
      ` May remain: ${esc(r.mayRemain)}. <i>${esc(r.outcome)}.</i>`,
  );
  const clean = open.length
    ? `<p>Remove it with <code class="cmd">splitbrain clean --run ${esc(test.runId)}</code> (every container, network and volume of this run).</p>`
    : "";
  return `<aside class="warning" id="heal-failures"><div class="title">${esc(title)}</div><ul>${items.join("")}</ul>${clean}</aside>`;
}
