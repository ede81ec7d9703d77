import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../core/exit.js";
import type { History } from "../history/op.js";
import { loadHistory } from "../history/read.js";
import { runDirPaths } from "../rundir/paths.js";
import { type RunResults, readRunResults, readTestRecord, type TestRecord } from "../rundir/record.js";

/**
 * Everything the report reads, loaded from a run directory and nothing else (no live cluster), so a report can be
 * rebuilt from a CI artifact years later. This is the only I/O of the report.
 */
export interface RunData {
  dir: string;
  test: TestRecord;
  history: History;
  /** Undefined when the run was never checked (no results.json). */
  results: RunResults | undefined;
  nodes: NodeFiles[];
}

export interface NodeFiles {
  node: string;
  files: Array<{ name: string; text: string; bytes: number; truncated: boolean }>;
}

/** Per file, what the report embeds: the tail, where the interesting part of a log usually is. */
export const NODE_FILE_LIMIT = 256 * 1024;

export async function loadRunData(dir: string): Promise<RunData> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(
      `${dir} is not a directory`,
      "give a run directory written by `splitbrain run` (results/<run>/)",
    );
  }
  const paths = runDirPaths(dir);
  if (!existsSync(paths.testPath) || !existsSync(paths.historyPath)) {
    throw new UsageError(
      `${dir} is not a run directory (it needs test.json and history.jsonl or history.jsonl.gz)`,
      "give a run directory written by `splitbrain run`, e.g. results/latest",
    );
  }
  const test = readTestRecord(dir);
  const { history } = await loadHistory(paths.historyPath, "jsonl");
  let results: RunResults | undefined;
  if (existsSync(paths.resultsPath)) results = readRunResults(dir, { evidence: "full" });
  return { dir, test, history, results, nodes: readNodes(paths.nodesPath) };
}

function readNodes(root: string): NodeFiles[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
    .map((node) => ({
      node,
      files: readdirSync(join(root, node), { withFileTypes: true })
        .filter((f) => f.isFile())
        .map((f) => {
          const buf = readFileSync(join(root, node, f.name));
          const truncated = buf.length > NODE_FILE_LIMIT;
          const text = (truncated ? buf.subarray(buf.length - NODE_FILE_LIMIT) : buf).toString("utf8");
          return { name: f.name, text, bytes: buf.length, truncated };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
    }));
}
