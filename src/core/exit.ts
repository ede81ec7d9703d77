/** Exit codes for the whole tool; CI jobs depend on them, so they never change meaning. */
export const ExitCode = {
  /** Every checker found the history valid. */
  Valid: 0,
  /** At least one checker found anomalies. */
  Anomalies: 1,
  /** A checker could not decide, or the run was incomplete. */
  Unknown: 2,
  /** Bad usage, bad input, or the environment lacks something required. */
  Usage: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error a user can act on: printed as one message (no stack trace) with an optional hint, and exits 3.
 * Throw it for bad input, bad options and missing prerequisites.
 */
export class UsageError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = "UsageError";
    this.hint = hint;
  }
}

export type Verdict = true | false | "unknown";

export function exitCodeFor(valid: Verdict): ExitCode {
  if (valid === true) return ExitCode.Valid;
  if (valid === false) return ExitCode.Anomalies;
  return ExitCode.Unknown;
}

/** Combines verdicts: any false wins, then any unknown, else true. */
export function mergeVerdicts(verdicts: Iterable<Verdict>): Verdict {
  let out: Verdict = true;
  for (const v of verdicts) {
    if (v === false) return false;
    if (v === "unknown") out = "unknown";
  }
  return out;
}
