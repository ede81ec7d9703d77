import {
  closeSync,
  createReadStream,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  type Stats,
  statSync,
} from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { UsageError } from "../core/exit.js";
import { parseEdnHistory } from "./edn-history.js";
import { HistoryFormatError } from "./errors.js";
import { detectFormat, type FormatChoice, type HistoryFormat } from "./format.js";
import { parseJepsenLog } from "./jepsen-log.js";
import { parseJsonl, parseJsonlStream } from "./jsonl.js";
import type { History } from "./op.js";
import type { ParsedHistory } from "./parsed.js";
import { validateHistory } from "./validate.js";

/** The file a run directory keeps its history in. */
export const RUN_HISTORY_FILE = "history.jsonl";

/** The same, gzip-compressed as the run goes (writer.ts); read as readily as the plain file. */
export const RUN_HISTORY_FILE_GZ = "history.jsonl.gz";

/**
 * The history file of a run directory: history.jsonl.gz where it is the only one, else history.jsonl (also the name
 * a new run directory gets).
 */
export function runHistoryFile(dir: string): string {
  const plain = join(dir, RUN_HISTORY_FILE);
  const gz = join(dir, RUN_HISTORY_FILE_GZ);
  return !existsSync(plain) && existsSync(gz) ? gz : plain;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Node's zlib, loaded only for a compressed history: with fs/promises it was a measurable part of `check` of a
 * small plain file, whose whole cost is mostly loading code.
 */
const zlib = () => import("node:zlib");

/**
 * A history file's text, decompressed when it is gzip (by its first bytes, whatever its name). A compressed history
 * cut short by a killed run has no gzip trailer; a sync-flush finish decodes it up to its last complete batch.
 */
async function historyText(file: string): Promise<string> {
  const buf = readFileSync(file);
  if (buf[0] !== GZIP_MAGIC[0] || buf[1] !== GZIP_MAGIC[1]) return buf.toString("utf8");
  const { constants, gunzip } = await zlib();
  try {
    const text = await new Promise<Buffer>((resolve, reject) =>
      gunzip(buf, { finishFlush: constants.Z_SYNC_FLUSH }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    return text.toString("utf8");
  } catch (err) {
    throw new UsageError(
      `cannot decompress ${file}: ${(err as Error).message}`,
      "the file starts like gzip but is not; decompress it by hand or pass the plain history",
    );
  }
}

async function streamJsonl(
  file: string,
  opts: ReadOptions,
  detected: boolean,
): Promise<ParsedHistory & { format: HistoryFormat }> {
  const head = Buffer.alloc(2);
  let input: Readable;
  try {
    const fd = openSync(file, "r");
    try {
      readSync(fd, head, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
    input = createReadStream(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
    const { constants, createGunzip } = await zlib();
    const gz = createGunzip({ finishFlush: constants.Z_SYNC_FLUSH });
    input.on("error", (err) => gz.destroy(err));
    input = input.pipe(gz);
  }
  let parsed: ParsedHistory & { blank: boolean };
  try {
    parsed = await parseJsonlStream(input, file);
  } catch (err) {
    if (err instanceof HistoryFormatError || err instanceof UsageError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(
      e.code?.startsWith("Z_")
        ? `cannot decompress ${file}: ${e.message}`
        : `cannot read ${file}: ${e.code ?? e.message}`,
    );
  }
  if (parsed.blank) {
    if (opts.requireOps) throw noOps(file, "");
    // As parseHistory: only a format left to detection says so (an empty file has none).
    return { history: [], lines: [], warnings: detected ? [`${file} is empty`] : [], format: "jsonl" };
  }
  const { blank: _, ...rest } = parsed;
  if (opts.requireOps && rest.history.length === 0) throw noOps(file, "x");
  validateHistory(rest.history, { file, lines: rest.lines });
  return { ...rest, format: "jsonl" };
}

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

/** What stat says, or undefined when it cannot say (missing, no permission): the callers name the path instead. */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Reads a history file or a run directory (meaning its history.jsonl), with every problem as a UsageError. */
export async function loadHistory(
  path: string,
  format: FormatChoice = "auto",
  opts: ReadOptions = {},
): Promise<LoadedHistory> {
  let file = path;
  let runDir: string | undefined;
  const info = statOf(path);
  if (info === undefined) {
    throw new UsageError(
      `${path}: no such file or directory`,
      "give a history file or a run directory from `splitbrain run`",
    );
  }
  if (info.isDirectory()) {
    runDir = path;
    file = runHistoryFile(path);
    const inner = statOf(file);
    if (inner === undefined || !inner.isFile()) {
      throw new UsageError(
        `${path} is a directory without a ${RUN_HISTORY_FILE}`,
        "give a run directory from `splitbrain run`, or a history file",
      );
    }
  }
  // A run's history (or any JSON Lines history named as such) is parsed as it streams in, decompressed on the way
  // if it is gzip: the biggest histories are runs', and the text of one is as large as its parsed ops.
  if (format === "jsonl" || (format === "auto" && runDir !== undefined)) {
    const parsed = await streamJsonl(file, opts, format === "auto");
    return runDir === undefined ? { ...parsed, file } : { ...parsed, file, runDir };
  }
  let text: string;
  try {
    text = await historyText(file);
  } catch (err) {
    if (err instanceof UsageError) throw err;
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
