import { UsageError } from "../core/exit.js";
import { EdnReader, EdnSyntaxError, type EdnValue } from "./edn.js";
import { HistoryFormatError } from "./errors.js";
import { type JepsenRecord, jepsenRecordsToHistory } from "./jepsen-ops.js";
import { firstLongLine, LINE_LIMIT_HINT, lineTooLongMessage, maxLineChars } from "./limits.js";
import { OP_TYPES } from "./op.js";
import type { ParsedHistory } from "./parsed.js";

/**
 * Jepsen's text log (jepsen.log), where jepsen.util logs each op as `<process> :<type> :<f> <value> [<error>]`,
 * fields separated by tabs or runs of spaces, after whatever prefix the logger adds:
 *   INFO  jepsen.util - 3	:invoke	:read	nil
 *   2017-05-04 11:22:33,456{GMT}	INFO	[jepsen worker 3] jepsen.util: 3	:ok	:read	[0 1]
 * Every other line (setup chatter, stack traces) is ignored. The log's timestamps say when a line was logged, not
 * when the op happened, so ops get no time and line order is the real-time order.
 */
const MARKER = /\bjepsen\.util(?::|\s+-)\s+(.*)$/;
const HEAD = /^(-?\d+|:nemesis)\s+:([^\s]+)\s*(.*)$/;
const F = /^:?([^\s]+)\s*(.*)$/;

/** True if the text looks like a Jepsen log (for format detection). */
export function looksLikeJepsenLog(text: string): boolean {
  for (const line of text.split("\n", 500)) {
    const m = MARKER.exec(line);
    if (m && HEAD.test(m[1]!)) return true;
  }
  return false;
}

export function parseJepsenLog(text: string, file: string, lineLimit = maxLineChars()): ParsedHistory {
  const long = firstLongLine(text, lineLimit);
  if (long) throw new HistoryFormatError(file, long.line, lineTooLongMessage(long.length, lineLimit), LINE_LIMIT_HINT);
  const rows = text.split("\n");
  const endsCleanly = text.endsWith("\n");
  let last = rows.length - 1;
  while (last >= 0 && rows[last]!.trim() === "") last--;
  const records: JepsenRecord[] = [];
  const warnings: string[] = [];

  for (let i = 0; i <= last; i++) {
    const marker = MARKER.exec(rows[i]!.replace(/\r$/, ""));
    if (!marker) continue;
    const head = HEAD.exec(marker[1]!);
    // jepsen.util also logs prose ("Relative time begins now"); only `<process> :<type>` starts an op.
    if (!head) continue;
    const line = i + 1;
    const fail = (message: string): never => {
      throw new HistoryFormatError(file, line, message);
    };
    const [, proc, type, rest] = head;
    if (!(OP_TYPES as readonly string[]).includes(type!)) {
      fail(`expected the op type (:invoke, :ok, :fail or :info) after the process, found :${type}`);
    }
    const fm = F.exec(rest!);
    if (!fm) fail(`expected the op's :f after :${type}, found nothing`);
    const [, f, valueText] = fm!;
    const process = proc === ":nemesis" ? "nemesis" : Number(proc);
    const fields: { [key: string]: EdnValue } = { process, type: type!, f: f! };

    if (valueText!.trim() === "") {
      if (process !== "nemesis") fail(`expected the op's value after :${f} (nil if it has none), found nothing`);
      fields.value = null;
    } else {
      const reader = new EdnReader(valueText!, line);
      try {
        fields.value = reader.next()!.value;
        const tail = valueText!.slice(reader.offset).trim();
        if (tail !== "") fields.error = errorFrom(tail);
      } catch (err) {
        if (!(err instanceof EdnSyntaxError)) throw err;
        if (process === "nemesis") {
          // Nemesis values are free text in some tests and nothing checks them: keep the words.
          fields.value = valueText!.trim();
        } else if (err.atEnd && i === last && !endsCleanly) {
          warnings.push(
            `${file}:${line}: the last line is cut short (the log was probably cut while writing it); ignored it`,
          );
          break;
        } else {
          fail(`expected an EDN value after :${f} (like nil, 3 or [1 2]): ${err.message}`);
        }
      }
    }
    records.push({ fields, line });
  }
  if (records.length === 0) {
    throw new UsageError(
      `${file} has no Jepsen op lines (\`<process> :<type> :<f> <value>\` logged by jepsen.util), so it is not a Jepsen log`,
      "give the test's jepsen.log, or its history.edn with --format edn",
    );
  }
  const parsed = jepsenRecordsToHistory(records, file);
  parsed.warnings.push(...warnings);
  return parsed;
}

/** The error column is an EDN form (`:timeout`) in most tests and free text (an exception message) in others. */
function errorFrom(text: string): EdnValue {
  try {
    const r = new EdnReader(text);
    const form = r.next();
    if (form && text.slice(r.offset).trim() === "") return form.value;
  } catch {
    // free text: fall through
  }
  return text;
}
