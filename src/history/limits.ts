/**
 * Bounds on what a reader accepts, checked before parsing: a value nested 100,000 deep parses (JSON.parse is
 * iterative) but overflows the stack of everything recursive after it (JSON.stringify, our EDN reader), with no file
 * or line in the message; a line of gigabytes exhausts memory the same way.
 *
 * Real histories are far inside both: ops nest three or four deep, and the longest line splitbrain writes is a set
 * read of at most 500 elements (workloads/set.ts), about 4 KiB; a Jepsen set-full final read of 300,000 elements is
 * about 2 MiB. The line limit is 64 MiB, and SPLITBRAIN_MAX_LINE_MIB raises it for a history that needs more.
 */

/** Deeper than any history or record needs, shallow enough for every recursive reader and printer. */
export const MAX_NESTING = 1000;

export const DEFAULT_MAX_LINE_MIB = 64;

/** The line limit in characters (the environment may raise or lower it; nonsense falls back to the default). */
export function maxLineChars(env: NodeJS.ProcessEnv = process.env): number {
  const mib = Number(env.SPLITBRAIN_MAX_LINE_MIB);
  return (Number.isFinite(mib) && mib > 0 ? mib : DEFAULT_MAX_LINE_MIB) * 1024 * 1024;
}

export function lineTooLongMessage(length: number, limit: number): string {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `this line is ${mib(length)} long, over the limit of ${mib(limit)} (no history needs lines that long)`;
}

export const LINE_LIMIT_HINT = "if the line is genuine, raise the limit: SPLITBRAIN_MAX_LINE_MIB=<MiB> splitbrain ...";

export function tooDeepMessage(limit = MAX_NESTING): string {
  return `this line nests lists or objects more than ${limit} deep (a history op nests a few levels at most)`;
}

/** The first line (1-based) of `text` longer than `limit` characters, with its length; found with indexOf, not a char loop. */
export function firstLongLine(text: string, limit: number): { line: number; length: number } | undefined {
  if (text.length <= limit) return undefined;
  let start = 0;
  let line = 1;
  for (;;) {
    const nl = text.indexOf("\n", start);
    const end = nl === -1 ? text.length : nl;
    if (end - start > limit) return { line, length: end - start };
    if (nl === -1) return undefined;
    start = nl + 1;
    line++;
  }
}

const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Whether JSON text nests arrays and objects deeper than `limit`; brackets inside strings do not count. Malformed
 * text gets an answer too (JSON.parse reports its syntax). Text shorter than the limit cannot be that deep, so the
 * usual short line costs nothing.
 */
export function jsonNestsDeeperThan(text: string, limit = MAX_NESTING): boolean {
  if (text.length <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
    } else if (ch === QUOTE) {
      inString = true;
    } else if (ch === OPEN_BRACKET || ch === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (ch === CLOSE_BRACKET || ch === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}
