import type { History } from "./op.js";

/** What every format's reader returns: the ops, where each came from, and what was tolerated on the way. */
export interface ParsedHistory {
  history: History;
  /** `lines[i]` is the 1-based line of the file that `history[i]` was read from, for error messages. */
  lines: number[];
  /** Problems that were worked around (e.g. a last line cut short by a crash), one sentence each. */
  warnings: string[];
}
