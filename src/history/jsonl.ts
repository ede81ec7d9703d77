import { opFromFields } from "./fields.js";
import { HistoryFormatError } from "./errors.js";
import { firstLongLine, jsonNestsDeeperThan, LINE_LIMIT_HINT, lineTooLongMessage, maxLineChars, tooDeepMessage } from "./limits.js";
import type { Op } from "./op.js";
import type { ParsedHistory } from "./parsed.js";

/**
 * splitbrain's native format: JSON Lines, one op per line (see README "History format"). Indexes in the file are
 * not trusted: ops are renumbered densely in line order, so a history whose cut-off last line was dropped is
 * still dense.
 */

/**
 * One op as a line of JSON, fields in a fixed order so files diff well. Written by hand rather than through an
 * intermediate object and JSON.stringify: a run records two lines per op, and this is on that path. The output is
 * exactly what `JSON.stringify` of the same fields gives (test/unit/history-writer.test.ts holds it to that).
 */
export function opToJsonLine(op: Op): string {
  let line = `{"index":${num(op.index)}`;
  if (op.time !== undefined) line += `,"time":${num(op.time)}`;
  line += `,"process":${typeof op.process === "number" ? num(op.process) : JSON.stringify(op.process)},"type":${str(op.type)},"f":${str(op.f)}`;
  if (op.key !== undefined) line += `,"key":${json(op.key)}`;
  if (op.value !== undefined) line += `,"value":${json(op.value)}`;
  if (op.error !== undefined) line += `,"error":${JSON.stringify(op.error)}`;
  if (op.node !== undefined) line += `,"node":${str(op.node)}`;
  return line + "}";
}

/** JSON.stringify of a number: non-finite numbers become null. */
function num(n: number): string {
  return Number.isFinite(n) ? String(n) : "null";
}

/** Strings made of plain printable ASCII other than quote and backslash need no escaping; others take the slow path. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function str(s: string): string {
  return typeof s === "string" && PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** The common values of a run (small integers, short keys, null, pairs of integers) without JSON.stringify. */
function json(v: unknown): string {
  switch (typeof v) {
    case "number":
      return num(v);
    case "string":
      return str(v);
    default:
      if (v === null) return "null";
      if (Array.isArray(v) && v.length === 2 && typeof v[0] === "number" && typeof v[1] === "number") return `[${num(v[0])},${num(v[1])}]`;
      return JSON.stringify(v);
  }
}

export function parseJsonl(text: string, file: string, lineLimit = maxLineChars()): ParsedHistory {
  const long = firstLongLine(text, lineLimit);
  if (long) throw new HistoryFormatError(file, long.line, lineTooLongMessage(long.length, lineLimit), LINE_LIMIT_HINT);
  const rows = text.split("\n");
  // A crash mid-write leaves a last line without its newline; only such a line may be forgiven.
  const endsCleanly = text.endsWith("\n");
  let last = rows.length - 1;
  while (last >= 0 && rows[last]!.trim() === "") last--;
  const out: ParsedHistory = { history: [], lines: [], warnings: [] };
  for (let i = 0; i <= last; i++) {
    const row = rows[i]!.trim();
    if (row === "") continue;
    const lineNo = i + 1;
    if (jsonNestsDeeperThan(row)) throw new HistoryFormatError(file, lineNo, tooDeepMessage());
    let fields: unknown;
    try {
      fields = JSON.parse(row);
    } catch (err) {
      if (i === last && !endsCleanly) {
        out.warnings.push(
          `${file}:${lineNo}: the last line is cut short (the run was probably stopped while writing it); ignored it`,
        );
        break;
      }
      throw new HistoryFormatError(
        file,
        lineNo,
        `expected one JSON object per line, but this line is not valid JSON (${(err as Error).message})`,
      );
    }
    if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
      throw new HistoryFormatError(file, lineNo, `expected a JSON object like {"process":0,"type":"invoke",...}, found ${row.slice(0, 40)}`);
    }
    const op = opFromFields(fields as Record<string, unknown>, out.history.length, {
      fail(message: string): never {
        throw new HistoryFormatError(file, lineNo, message);
      },
      show: (v) => JSON.stringify(v) ?? String(v),
    });
    out.history.push(op);
    out.lines.push(lineNo);
  }
  return out;
}
