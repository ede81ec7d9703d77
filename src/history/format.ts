import { UsageError } from "../core/exit.js";
import { looksLikeJepsenLog } from "./jepsen-log.js";

export const HISTORY_FORMATS = ["jsonl", "edn", "jepsen-log"] as const;
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];
export type FormatChoice = HistoryFormat | "auto";

export function parseFormatChoice(s: string): FormatChoice {
  if (s === "auto" || (HISTORY_FORMATS as readonly string[]).includes(s)) return s as FormatChoice;
  throw new UsageError(`unknown history format "${s}"`, `use one of: auto, ${HISTORY_FORMATS.join(", ")}`);
}

/**
 * Tells the format from the content, not the file name (Jepsen's history.edn and our history.jsonl are often
 * renamed): JSON objects start `{"`, EDN starts `{:`, `[`, `(` or `#`, and a Jepsen log has jepsen.util op lines.
 * Returns undefined when it cannot tell.
 */
export function detectFormat(text: string): HistoryFormat | undefined {
  let i = 0;
  // Skip whitespace and EDN line comments to the first meaningful character.
  for (;;) {
    while (i < text.length && /[\s,]/.test(text[i]!)) i++;
    if (text[i] === ";") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    break;
  }
  const ch = text[i];
  if (ch === "{") {
    let j = i + 1;
    while (j < text.length && /\s/.test(text[j]!)) j++;
    if (text[j] === '"') return "jsonl";
    if (text[j] === ":" || text[j] === "}") return "edn";
  }
  if (ch === "[" || ch === "(" || ch === "#") return "edn";
  if (looksLikeJepsenLog(text)) return "jepsen-log";
  return undefined;
}
