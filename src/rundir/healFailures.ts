import type { HealFailure } from "../nemesis/driver.js";

/**
 * What a run records and says about faults it could not heal. A heal runs after the workload and again on the way
 * out; the fault whose last heal failed may outlive the run, unless teardown removed the containers it lives in.
 * Pure: the runner passes each heal's failures and how teardown went, and writes the result to test.json.
 */

export interface HealFailureRecord {
  nemesis: string;
  error: string;
  /** What the fault may have left in place (the nemesis's own words). */
  mayRemain: string;
  /** Which heal failed: the one after the workload, or the one just before teardown. */
  at: "heal" | "teardown";
  /** What became of it: healed later, removed with the containers, or possibly still in place (and how to remove it). */
  outcome: string;
  /**
   * The outcome as data, for whatever decides on it (warnings, the report). Absent in test.json files written before
   * it existed; those are read from the outcome's words.
   */
  fate?: HealFate;
}

/**
 * pending: teardown has not run yet; healed: the heal before teardown succeeded; removed: teardown removed the
 * containers it lived in; kept: the cluster was kept (--keep); teardown-failed: teardown could not remove it.
 */
export type HealFate = "pending" | "healed" | "removed" | "kept" | "teardown-failed";

const IN_PLACE: ReadonlySet<HealFate> = new Set(["pending", "kept", "teardown-failed"]);

export type TeardownResult = "removed" | "kept" | "failed";

const PENDING = "teardown has not run yet: it may still be in place";

/** Adds one heal's failures; a fault that failed before and healed now is marked healed. */
export function recordHeal(
  previous: readonly HealFailureRecord[],
  failures: readonly HealFailure[],
  at: HealFailureRecord["at"],
): HealFailureRecord[] {
  const failedNow = new Set(failures.map((f) => f.nemesis));
  const out = previous.map(
    (r): HealFailureRecord =>
      failedNow.has(r.nemesis) || r.fate !== "pending"
        ? r
        : { ...r, outcome: `healed by the heal before teardown`, fate: "healed" },
  );
  for (const f of failures) out.push({ ...f, at, outcome: PENDING, fate: "pending" });
  return out;
}

/** Fills in, once teardown is over, what became of each fault that was not healed later. */
export function afterTeardown(
  records: readonly HealFailureRecord[],
  teardown: TeardownResult,
  runId: string,
): HealFailureRecord[] {
  const clean = `splitbrain clean --run ${runId}`;
  const outcome =
    teardown === "removed"
      ? "teardown removed the containers, and the fault went with them"
      : teardown === "kept"
        ? `the cluster was kept (--keep), so it may still be in place; remove the cluster with: ${clean}`
        : `teardown failed, so it may still be in place; remove what is left with: ${clean}`;
  const fate: HealFate = teardown === "failed" ? "teardown-failed" : teardown;
  return records.map((r) => (r.fate === "pending" ? { ...r, outcome, fate } : r));
}

/** The faults that may still be in place: their last heal failed and nothing removed them. */
export function mayStillBeInPlace(records: readonly HealFailureRecord[] | undefined): HealFailureRecord[] {
  return (records ?? []).filter((r) =>
    r.fate !== undefined ? IN_PLACE.has(r.fate) : /may still be in place/.test(r.outcome),
  );
}

/** One line per failure, for the terminal. */
export function healFailureLines(records: readonly HealFailureRecord[]): string[] {
  return records.map(
    (r) =>
      `could not heal ${r.nemesis} (${r.at === "heal" ? "after the workload" : "before teardown"}): ${r.error}; may remain: ${r.mayRemain}; ${r.outcome}`,
  );
}
