import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { parseJsonl } from "../../../src/history/jsonl.js";
import type { History } from "../../../src/history/op.js";
import { runHistoryFile } from "../../../src/history/read.js";

/** A run directory's history, whichever file holds it (runs write history.jsonl.gz; older ones history.jsonl). */
export function readRunHistory(dir: string): History {
  const file = runHistoryFile(dir);
  const bytes = readFileSync(file);
  const text = file.endsWith(".gz")
    ? gunzipSync(bytes, { finishFlush: 2 /* Z_SYNC_FLUSH */ }).toString("utf8")
    : bytes.toString("utf8");
  return parseJsonl(text, file).history;
}
