import { appendFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../core/exit.js";

/**
 * Marks: moments a person notes in a running run's history from another terminal (`splitbrain mark "pressed the
 * failover button"`), for runs whose fault is done by hand (`--nemesis none`). The mark command appends one JSON
 * line to the run directory's marks file; the run reads it while it records and turns each line into a nemesis op
 * `mark` at the moment the line says. A run says it is listening with a file naming its process, removed when it
 * stops, so a mark never goes to a run that can no longer record it.
 */

export const MARKS_FILE = "marks.jsonl";
export const LISTENING_FILE = "marks-listening.json";
export const MAX_MARK_CHARS = 500;

/** One line of the marks file. */
export interface MarkLine {
  /** Wall time the mark was made (ISO 8601). */
  at: string;
  text: string;
}

/** A mark as the history and test.json hold it: its text, wall time, and moment on the run's clock (s). */
export interface MarkRecord extends MarkLine {
  timeS: number;
}

/** Control characters (a newline in a mark, a terminal escape) become spaces: a mark is one plain line. */
function oneLine(text: string): string {
  return [...text]
    .map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? " " : c))
    .join("")
    .replace(/ {2,}/g, " ")
    .trim();
}

/** The text of a mark as given on the command line: one line, not empty, not too long. */
export function markText(words: readonly string[]): string {
  const text = oneLine(words.join(" "));
  if (!text) throw new UsageError("a mark needs some text", 'e.g. splitbrain mark "pressed failover in the console"');
  if (text.length > MAX_MARK_CHARS)
    throw new UsageError(`a mark is at most ${MAX_MARK_CHARS} characters (this one has ${text.length})`);
  return text;
}

/** Reads one line of the marks file; a line that is not a mark gives the reason instead (it is skipped, never an op). */
export function parseMarkLine(line: string): MarkLine | { problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { problem: "not JSON" };
  }
  const o = v as { at?: unknown; text?: unknown };
  if (!o || typeof o !== "object" || typeof o.text !== "string" || typeof o.at !== "string")
    return { problem: 'not a mark (needs "at" and "text" strings)' };
  if (!Number.isFinite(Date.parse(o.at))) return { problem: `"at" is not a time: ${o.at.slice(0, 40)}` };
  const text = oneLine(o.text);
  if (!text || text.length > MAX_MARK_CHARS) return { problem: "empty or over-long text" };
  return { at: o.at, text };
}

/**
 * Where on the run's clock (ns) a mark made at `atMs` wall time falls, given the clock's reading `nowNs` at wall
 * time `nowMs`: never before the run's start, never after now (a clock a little ahead in the other terminal).
 */
export function markMoment(atMs: number, nowMs: number, nowNs: number): number {
  const ago = Math.max(0, nowMs - atMs) * 1e6;
  return Math.max(0, nowNs - ago);
}

function alive(pid: unknown): boolean {
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether a run directory belongs to a run that is recording now and reads marks. */
export function isListening(dir: string): boolean {
  try {
    return alive((JSON.parse(readFileSync(join(dir, LISTENING_FILE), "utf8")) as { pid?: unknown }).pid);
  } catch {
    return false;
  }
}

/** The run a mark goes to: the one given (which must be listening), else the one listening under the results root. */
export function markTarget(opts: { run?: string; results: string }): string {
  if (opts.run !== undefined) {
    const dir = resolve(opts.run);
    if (!existsSync(join(dir, "test.json")))
      throw new UsageError(`${opts.run} is not a run directory (no test.json)`, "give the directory a run printed");
    if (!isListening(dir))
      throw new UsageError(
        `the run in ${opts.run} is not recording now: a mark would never reach its history`,
        "marks are taken from the workload's start until the run closes its history",
      );
    return dir;
  }
  const root = resolve(opts.results);
  let names: string[] = [];
  try {
    names = readdirSync(root).filter((n) => n !== "latest");
  } catch {
    throw new UsageError(`no results directory at ${opts.results}`, "give --results <dir> or --run <run-dir>");
  }
  const live = names.map((n) => join(root, n)).filter(isListening);
  if (live.length === 1) return live[0]!;
  if (!live.length)
    throw new UsageError(
      `no run under ${opts.results} is recording now`,
      "start one (e.g. splitbrain run --endpoint ... --nemesis none), or name it with --run <run-dir>",
    );
  throw new UsageError(
    `${live.length} runs under ${opts.results} are recording: ${live.join(", ")}`,
    "name one with --run <run-dir>",
  );
}

/** Appends a mark to a run's marks file (one short write with O_APPEND: marks from several terminals never interleave). */
export function appendMark(dir: string, mark: MarkLine): void {
  appendFileSync(join(dir, MARKS_FILE), `${JSON.stringify(mark)}\n`);
}
