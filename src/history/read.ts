import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../core/exit.js";
import { parseEdnHistory } from "./edn-history.js";
import { detectFormat, type FormatChoice, type HistoryFormat } from "./format.js";
import { parseJepsenLog } from "./jepsen-log.js";
import { parseJsonl } from "./jsonl.js";
import type { History } from "./op.js";
import type { ParsedHistory } from "./parsed.js";
import { validateHistory } from "./validate.js";

/** The file a run directory keeps its history in. */
export const RUN_HISTORY_FILE = "history.jsonl";

export interface LoadedHistory extends ParsedHistory {
  /** The file actually read (a run directory resolves to its history.jsonl). */
  file: string;
  format: HistoryFormat;
  /** Set when `file` was found inside a run directory. */
  runDir?: string;
}

export interface ReadOptions {
  /**
   * Refuse a history with no entries. `check` wants that (an empty file is bad input, not an undecided verdict);
   * the runner and the report do not, since a run stopped before its first op leaves an empty history.jsonl.
   */
  requireOps?: boolean;
}

/** Parses text in a known or detected format, then validates it. Pure: no I/O. */
export function parseHistory(
  text: string,
  format: FormatChoice,
  file: string,
  opts: ReadOptions = {},
): ParsedHistory & { format: HistoryFormat } {
  const fmt = format === "auto" ? detectFormat(text) : format;
  if (fmt === undefined) {
    if (text.trim() === "") {
      if (opts.requireOps) throw noOps(file, text);
      return { history: [], lines: [], warnings: [`${file} is empty`], format: "jsonl" };
    }
    throw new UsageError(
      `cannot tell the format of ${file}: it is not JSON Lines, EDN or a Jepsen log`,
      "pass --format jsonl, edn or jepsen-log",
    );
  }
  const parsed =
    fmt === "jsonl" ? parseJsonl(text, file) : fmt === "edn" ? parseEdnHistory(text, file) : parseJepsenLog(text, file);
  if (opts.requireOps && parsed.history.length === 0) throw noOps(file, text);
  validateHistory(parsed.history, { file, lines: parsed.lines });
  return { ...parsed, format: fmt };
}

function noOps(file: string, text: string): UsageError {
  return new UsageError(
    `${file} has no operations${text.trim() === "" ? " (the file is empty)" : ""}, so there is nothing to check`,
    "give a history with at least one op; a run stopped before its first op has none",
  );
}

/** Reads a history file or a run directory (meaning its history.jsonl), with every problem as a UsageError. */
export async function loadHistory(
  path: string,
  format: FormatChoice = "auto",
  opts: ReadOptions = {},
): Promise<LoadedHistory> {
  let file = path;
  let runDir: string | undefined;
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) {
    throw new UsageError(
      `${path}: no such file or directory`,
      "give a history file or a run directory from `splitbrain run`",
    );
  }
  if (info.isDirectory()) {
    runDir = path;
    file = join(path, RUN_HISTORY_FILE);
    const inner = await stat(file).catch(() => undefined);
    if (inner === undefined || !inner.isFile()) {
      throw new UsageError(
        `${path} is a directory without a ${RUN_HISTORY_FILE}`,
        "give a run directory from `splitbrain run`, or a history file",
      );
    }
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parsed = parseHistory(text, format, file, opts);
  return runDir === undefined ? { ...parsed, file } : { ...parsed, file, runDir };
}

/** The whole history of a file or run directory, validated and densely indexed. Warnings go to `onWarning`. */
export async function readHistory(
  path: string,
  format: FormatChoice = "auto",
  onWarning: (message: string) => void = () => {},
): Promise<History> {
  const loaded = await loadHistory(path, format);
  for (const w of loaded.warnings) onWarning(w);
  return loaded.history;
}
