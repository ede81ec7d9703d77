import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadHistory } from "../history/read.js";
import { runDirPaths } from "../rundir/paths.js";
import { readRunResults, readTestRecord, serverVersions } from "../rundir/record.js";
import type { NodeStats } from "../rundir/stats.js";
import { type RunMetrics, runMetrics } from "./runMetrics.js";
import { type SummaryMetrics, summaryMetrics } from "./summary.js";

/** A run's metrics as read back from its directory, with what only the directory knows (memory, report). */
export interface RunFigures extends RunMetrics {
  /** Peak memory in use per node (bytes), from nodes/<node>/stats.json; null where nothing was sampled. */
  memoryPeak: Record<string, number | null>;
  /** results.json's summary.metrics, recomputed from the history so runs checked before it existed have it too. */
  metrics?: SummaryMetrics;
  /** Engine and version as the servers reported them ("redis 7.0.15"). */
  server?: string;
}

export async function loadRunFigures(dir: string): Promise<RunFigures> {
  const paths = runDirPaths(dir);
  const test = readTestRecord(dir);
  const results = readRunResults(dir, { evidence: "full" });
  const { history } = await loadHistory(paths.historyPath, "jsonl");
  return {
    ...runMetrics(history, results, test),
    memoryPeak: memoryPeaks(paths.nodesPath),
    metrics: summaryMetrics(history, results, test),
    server: serverVersions(test),
  };
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
