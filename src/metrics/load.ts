import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadHistory } from "../history/read.js";
import { readRunResults, readTestRecord } from "../runner/checkRun.js";
import { runDirPaths } from "../runner/runDir.js";
import type { NodeStats } from "../runner/stats.js";
import { runMetrics, type RunMetrics } from "./runMetrics.js";

/** A run's metrics as read back from its directory, with what only the directory knows (memory, report). */
export interface RunFigures extends RunMetrics {
  /** Peak memory in use per node (bytes), from nodes/<node>/stats.json; null where nothing was sampled. */
  memoryPeak: Record<string, number | null>;
}

export async function loadRunFigures(dir: string): Promise<RunFigures> {
  const paths = runDirPaths(dir);
  const test = readTestRecord(dir);
  const results = readRunResults(dir);
  const { history } = await loadHistory(paths.historyPath, "jsonl");
  return { ...runMetrics(history, results, test), memoryPeak: memoryPeaks(paths.nodesPath) };
}

export function memoryPeaks(nodesPath: string): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  if (!existsSync(nodesPath)) return out;
  for (const node of readdirSync(nodesPath).sort()) {
    const file = join(nodesPath, node, "stats.json");
    if (!existsSync(file)) continue;
    try {
      out[node] = (JSON.parse(readFileSync(file, "utf8")) as NodeStats).peakBytes;
    } catch {
      out[node] = null;
    }
  }
  return out;
}
