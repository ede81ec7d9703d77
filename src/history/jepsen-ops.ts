import type { EdnValue } from "./edn.js";
import { ednValue } from "./edn-writer.js";
import { HistoryFormatError } from "./errors.js";
import { isKey, opFromFields } from "./fields.js";
import type { ParsedHistory } from "./parsed.js";

/** An op map as Jepsen wrote it (EDN keywords already turned into strings), with the line it came from. */
export interface JepsenRecord {
  fields: { [key: string]: EdnValue };
  line: number;
}

/**
 * jepsen.independent puts the key inside the value: `:value [k v]`. That is ambiguous with a plain cas value
 * `[old new]`, so the whole history decides: it is keyed only if no op has a `:key` field and every client op's
 * value is a pair whose first element can be a key, and every cas pair holds a nested `[old new]` (or nil).
 * A plain cas-register history fails that test on its reads (nil) or writes (numbers).
 */
export function isIndependent(records: readonly JepsenRecord[]): boolean {
  let clients = 0;
  for (const { fields } of records) {
    if (fields.process === "nemesis") continue;
    if ("key" in fields) return false;
    const v = fields.value;
    if (!Array.isArray(v) || v.length !== 2 || v[0] === null || !isKey(v[0])) return false;
    if (fields.f === "cas" && v[1] !== null && !Array.isArray(v[1])) return false;
    clients++;
  }
  return clients > 0;
}

export function jepsenRecordsToHistory(records: readonly JepsenRecord[], file: string): ParsedHistory {
  const tuples = isIndependent(records);
  const out: ParsedHistory = { history: [], lines: [], warnings: [] };
  for (const { fields, line } of records) {
    const op = opFromFields(fields, out.history.length, {
      fail(message: string): never {
        throw new HistoryFormatError(file, line, message);
      },
      show: ednValue,
    });
    if (tuples && op.process !== "nemesis") {
      const [k, v] = op.value as [string | number, EdnValue];
      op.key = k;
      op.value = v;
    }
    out.history.push(op);
    out.lines.push(line);
  }
  return out;
}
