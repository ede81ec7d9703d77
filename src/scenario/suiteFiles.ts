import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../core/exit.js";
import { loadRunFigures } from "../metrics/load.js";
import type { Trend } from "./baseline.js";
import { type RowFigures, type SuiteRow, suiteHtml, suiteJunit } from "./suite.js";

/**
 * A suite directory's summary files, written the same way by `suite` (after every run), by `suite --shard` (its
 * part) and by `merge` (the whole): suite.json, suite.html and junit.xml. And reading a suite.json back, for a
 * merge or as a baseline.
 */

export interface SuiteMeta {
  startedAt: string;
  seconds: number;
  command: string;
  /** "shard 1/2 of plan <hash>" on a shard's own page. */
  shard?: string;
}

export interface SuiteJson extends SuiteMeta {
  rows: SuiteRow[];
  baseline?: Trend;
}

export function writeSuiteOutputs(outDir: string, rows: readonly SuiteRow[], meta: SuiteMeta, trend?: Trend): void {
  const json: SuiteJson = { ...meta, rows: [...rows], ...(trend ? { baseline: trend } : {}) };
  writeFileSync(join(outDir, "suite.json"), JSON.stringify(json, null, 2) + "\n");
  writeFileSync(join(outDir, "suite.html"), suiteHtml(rows, meta, trend));
  writeFileSync(join(outDir, "junit.xml"), suiteJunit(rows, meta.seconds, trend));
}

/** A suite directory or its suite.json; refused with a hint when it is neither, or not a suite's summary. */
export function readSuiteJson(path: string, flag: string): { file: string; suite: SuiteJson } {
  const full = resolve(path);
  if (!existsSync(full))
    throw new UsageError(`${flag} ${path} does not exist`, "give a suite directory or its suite.json");
  const file = statSync(full).isDirectory() ? join(full, "suite.json") : full;
  if (!existsSync(file))
    throw new UsageError(`${flag} ${path} holds no suite.json`, "give the directory a suite (or a merge) wrote");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${flag} ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const rows = (raw as { rows?: unknown }).rows;
  const valid =
    Array.isArray(rows) &&
    rows.every(
      (r) =>
        typeof r === "object" &&
        r !== null &&
        typeof (r as SuiteRow).scenario === "string" &&
        typeof (r as SuiteRow).status === "string" &&
        typeof (r as SuiteRow).repeat === "number",
    );
  if (!valid)
    throw new UsageError(
      `${flag} ${file} is not a suite summary (no rows of scenario, repeat and status)`,
      "give the suite.json that `splitbrain suite` or `splitbrain merge` wrote",
    );
  return { file, suite: raw as SuiteJson };
}

/** The figures a later night compares with, read from the run directory; none when it cannot be read. */
export async function rowFigures(runDir: string): Promise<RowFigures | undefined> {
  try {
    const f = await loadRunFigures(runDir);
    return {
      lossWindowS: f.metrics?.lossWindowS ?? null,
      lostFraction: f.metrics?.lostFraction ?? null,
      availabilityTime: f.metrics?.availabilityTime ?? null,
      availabilityOps: f.availability,
      lostAcknowledged: f.lostAcknowledged,
      ...(f.server ? { server: f.server } : {}),
    };
  } catch {
    return undefined;
  }
}
