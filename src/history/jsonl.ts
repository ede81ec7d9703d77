import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { HistoryFormatError } from "./errors.js";
import { opFromFields } from "./fields.js";
import {
  firstLongLine,
  jsonNestsDeeperThan,
  LINE_LIMIT_HINT,
  lineTooLongMessage,
  maxLineChars,
  tooDeepMessage,
} from "./limits.js";
import type { Op } from "./op.js";
import type { ParsedHistory } from "./parsed.js";

/**
 * splitbrain's native format: JSON Lines, one op per line (see README "History format"). Indexes in the file are
 * not trusted: ops are renumbered densely in line order, so a history whose cut-off last line was dropped is
 * still dense.
 */

/** One op as a line of JSON, fields in a fixed order so files diff well. */
export function opToJsonLine(op: Op): string {
  const o: Record<string, unknown> = { index: op.index };
  if (op.time !== undefined) o.time = op.time;
  o.process = op.process;
  o.type = op.type;
  o.f = op.f;
  if (op.key !== undefined) o.key = op.key;
  if (op.value !== undefined) o.value = op.value;
  if (op.error !== undefined) o.error = op.error;
  if (op.node !== undefined) o.node = op.node;
  return JSON.stringify(o);
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
      throw new HistoryFormatError(
        file,
        lineNo,
        `expected a JSON object like {"process":0,"type":"invoke",...}, found ${row.slice(0, 40)}`,
      );
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

/**
 * parseJsonl over a stream of bytes, line by line, so a large history is never held as one string (nor as an array
 * of its lines) next to its parsed ops. Same rules: a line over the limit, a line that is not JSON or not an op is
 * refused by line number; only a last line without its newline may be cut short, and is then dropped with a warning.
 * (Where a file has two problems, the first in file order is the one reported.)
 */
export async function parseJsonlStream(
  input: Readable,
  file: string,
  lineLimit = maxLineChars(),
): Promise<ParsedHistory & { blank: boolean }> {
  const out: ParsedHistory = { history: [], lines: [], warnings: [] };
  const decoder = new StringDecoder("utf8");
  let lineNo = 0;
  let partial = "";
  // A line that is not JSON is forgiven only if it turns out to be the file's last, unterminated line.
  let broken: { lineNo: number; message: string } | undefined;
  const take = (raw: string) => {
    lineNo++;
    if (raw.length > lineLimit)
      throw new HistoryFormatError(file, lineNo, lineTooLongMessage(raw.length, lineLimit), LINE_LIMIT_HINT);
    const row = raw.trim();
    if (row === "") return;
    if (broken) throw new HistoryFormatError(file, broken.lineNo, broken.message);
    if (jsonNestsDeeperThan(row)) throw new HistoryFormatError(file, lineNo, tooDeepMessage());
    let fields: unknown;
    try {
      fields = JSON.parse(row);
    } catch (err) {
      broken = {
        lineNo,
        message: `expected one JSON object per line, but this line is not valid JSON (${(err as Error).message})`,
      };
      return;
    }
    if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
      throw new HistoryFormatError(
        file,
        lineNo,
        `expected a JSON object like {"process":0,"type":"invoke",...}, found ${row.slice(0, 40)}`,
      );
    }
    const at = lineNo;
    out.history.push(
      opFromFields(fields as Record<string, unknown>, out.history.length, {
        fail(message: string): never {
          throw new HistoryFormatError(file, at, message);
        },
        show: (v) => JSON.stringify(v) ?? String(v),
      }),
    );
    out.lines.push(lineNo);
  };
  for await (const chunk of input) {
    const text = partial + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      take(text.slice(start, nl));
      start = nl + 1;
    }
    partial = text.slice(start);
    if (partial.length > lineLimit)
      throw new HistoryFormatError(file, lineNo + 1, lineTooLongMessage(partial.length, lineLimit), LINE_LIMIT_HINT);
  }
  partial += decoder.end();
  const endsCleanly = partial === "";
  if (partial !== "") take(partial);
  if (broken) {
    if (endsCleanly) throw new HistoryFormatError(file, broken.lineNo, broken.message);
    out.warnings.push(
      `${file}:${broken.lineNo}: the last line is cut short (the run was probably stopped while writing it); ignored it`,
    );
  }
  return { ...out, blank: out.history.length === 0 && broken === undefined };
}
