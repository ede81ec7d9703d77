import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { makeDirs } from "../core/outputPaths.js";
import { RUN_HISTORY_FILE_GZ, runHistoryFile } from "../history/read.js";

/**
 * A run directory is the unit of a run (as Jepsen's store is): history, configuration, results and node logs live
 * there, and checkers and reports read only it, so a run can be re-checked without the live cluster.
 */
export interface RunDir {
  path: string;
  historyPath: string;
  testPath: string;
  resultsPath: string;
  nodesPath: string;
}

export function runDirName(startedAt: Date, db: string, topology: string, runId: string): string {
  const ts = startedAt
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  // Run ids end in a random suffix; the timestamp is already in front.
  const short = runId.split("-").pop()!.slice(0, 8);
  return `${ts}-${db}-${topology}-${short}`;
}

export function runDirPaths(path: string): RunDir {
  return {
    path,
    // A run directory holding only a compressed history is read from history.jsonl.gz.
    historyPath: runHistoryFile(path),
    testPath: join(path, "test.json"),
    resultsPath: join(path, "results.json"),
    nodesPath: join(path, "nodes"),
  };
}

/** Creates the run directory; `latest` is left alone until the run has a history (see pointLatest). */
export function createRunDir(resultsRoot: string, name: string): RunDir {
  const path = resolve(resultsRoot, name);
  makeDirs(join(path, "nodes"));
  // Compressed as it is written: a default run's plain history ran to hundreds of MB, gzip keeps about a tenth.
  return { ...runDirPaths(path), historyPath: join(path, RUN_HISTORY_FILE_GZ) };
}

/**
 * Re-points `<results>/latest` at a run. Called only once the run has a history: a start that fails must leave
 * `latest` on the last run that can be checked and reported, not on a directory with nothing to read.
 */
export function pointLatest(resultsRoot: string, name: string): void {
  // `latest` is a convenience; a failure to make it (e.g. a filesystem without symlinks) must not stop a run.
  try {
    const latest = join(resolve(resultsRoot), "latest");
    rmSync(latest, { force: true });
    symlinkSync(name, latest);
  } catch {
    /* best effort */
  }
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n");
}
