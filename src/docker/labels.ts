import { randomBytes } from "node:crypto";

/**
 * The cleanup contract: every container, network and volume splitbrain creates carries this label, valued with
 * the id of the run that made it, so `splitbrain clean` and the test suite can find and remove all of it.
 */
export const RUN_LABEL = "splitbrain.run";

/** Labels on node images (images are shared between runs, so they carry no run label). */
export const IMAGE_LABELS = {
  engine: "splitbrain.engine",
  version: "splitbrain.version",
  route: "splitbrain.route",
  suite: "splitbrain.suite",
  definitionHash: "splitbrain.definition-hash",
} as const;

/**
 * A run id sorts by start time (for people listing runs) and carries random bits (so two runs started in the same
 * second, e.g. parallel test files, never share one). Safe in Docker names: [a-z0-9-] only.
 */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "")
    .replace("T", "-")
    .toLowerCase();
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

const RUN_ID_SHAPE = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function isValidRunId(id: string): boolean {
  return RUN_ID_SHAPE.test(id);
}

/** The labels for a resource of run `runId`, plus any extra ones (e.g. the node name). */
export function labels(runId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, [RUN_LABEL]: runId };
}

/** A Docker list filter selecting one run's resources, or every run's when `runId` is undefined. */
export function runFilter(runId?: string): { label: string[] } {
  return { label: [runId === undefined ? RUN_LABEL : `${RUN_LABEL}=${runId}`] };
}
