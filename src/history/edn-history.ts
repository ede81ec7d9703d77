import { type EdnForm, EdnReader, EdnSyntaxError, type EdnValue } from "./edn.js";
import { ednValue } from "./edn-writer.js";
import { HistoryFormatError } from "./errors.js";
import { type JepsenRecord, jepsenRecordsToHistory } from "./jepsen-ops.js";
import { firstLongLine, LINE_LIMIT_HINT, lineTooLongMessage, maxLineChars } from "./limits.js";
import type { ParsedHistory } from "./parsed.js";

/**
 * Jepsen EDN histories in both layouts: one vector of op maps (older Jepsen, Knossos test data) or one op map per
 * line (Jepsen 0.3's history.edn, where each op may be a `#jepsen.history.Op{...}` record).
 */
export function parseEdnHistory(text: string, file: string, lineLimit = maxLineChars()): ParsedHistory {
  const long = firstLongLine(text, lineLimit);
  if (long) throw new HistoryFormatError(file, long.line, lineTooLongMessage(long.length, lineLimit), LINE_LIMIT_HINT);
  const reader = new EdnReader(text);
  const forms: EdnForm[] = [];
  const warnings: string[] = [];
  for (;;) {
    const before = reader.offset;
    let form;
    try {
      form = reader.next();
    } catch (err) {
      if (!(err instanceof EdnSyntaxError)) throw err;
      // One op per line: a map cut off on the last line, with no newline after it, is a crash mid-write.
      const rest = text.slice(before).trim();
      if (err.atEnd && forms.length > 0 && !rest.includes("\n") && !text.endsWith("\n")) {
        warnings.push(
          `${file}:${err.line}: the last line is cut short (the run was probably stopped while writing it); ignored it`,
        );
        break;
      }
      throw new HistoryFormatError(file, err.line, err.message);
    }
    if (form === undefined) break;
    forms.push(form);
  }

  let records: JepsenRecord[];
  if (forms.length === 1 && Array.isArray(forms[0]!.value)) {
    const vec = forms[0]!.value;
    const lines = forms[0]!.itemLines ?? vec.map(() => forms[0]!.line);
    records = vec.map((value, i) => toRecord(value, lines[i]!, file));
  } else {
    records = forms.map((f) => toRecord(f.value, f.line, file));
  }
  const parsed = jepsenRecordsToHistory(records, file);
  parsed.warnings.push(...warnings);
  return parsed;
}

function toRecord(value: EdnValue, line: number, file: string): JepsenRecord {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const shown = ednValue(value);
    throw new HistoryFormatError(
      file,
      line,
      `expected an op map like {:type :invoke, :f :read, :process 0, :value nil}, found ${shown.length > 40 ? shown.slice(0, 37) + "..." : shown}`,
    );
  }
  return { fields: value, line };
}
