import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { parseJsonl } from "../../../src/history/jsonl.js";
import type { History } from "../../../src/history/op.js";
import { runHistoryFile } from "../../../src/history/read.js";

/** A run directory's history, whichever file holds it (runs write history.jsonl.gz; older ones history.jsonl). */
export function readRunHistory(dir: string): History {
  const file = runHistoryFile(dir);
  return parseJsonl(historyText(file), file).history;
}

/** The history's lines as plain parsed JSON, for tests that read fields the op type leaves open (a fault's value). */
export function readRunHistoryJson(dir: string): ReturnType<typeof JSON.parse>[] {
  return historyText(runHistoryFile(dir))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

function historyText(file: string): string {
  const bytes = readFileSync(file);
  // A run cut short leaves no gzip trailer; a sync-flush finish decodes up to its last complete batch.
  return file.endsWith(".gz")
    ? gunzipSync(bytes, { finishFlush: 2 /* Z_SYNC_FLUSH */ }).toString("utf8")
    : bytes.toString("utf8");
}
