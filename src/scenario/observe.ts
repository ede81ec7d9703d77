import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadRunFigures } from "../metrics/load.js";
import { runDirPaths } from "../rundir/paths.js";
import type { Observed } from "./expectation.js";
import type { Observation } from "./scenario.js";

/**
 * What a finished run observed, read from its directory alone (so a scenario can be re-judged from a saved run):
 * the run's figures, plus the scenario's own counts of log lines and INFO fields.
 */
export async function observeRun(runDir: string, observe: Record<string, Observation>): Promise<Observed> {
  const f = await loadRunFigures(runDir);
  const peaks = Object.values(f.memoryPeak).filter((x): x is number => typeof x === "number");
  const values: Observed["values"] = {
    lostAcknowledged: f.lostAcknowledged,
    lostUnacknowledged: f.lostAcknowledged === null ? null : f.lostUnacknowledged,
    acknowledged: f.ok,
    failed: f.fail,
    indeterminate: f.info,
    availability: f.availability,
    linearizable: f.linearizable,
    valid: f.valid,
    peakMemoryMiB: peaks.length ? Math.max(...peaks) / 1024 ** 2 : null,
  };
  const nodesPath = runDirPaths(runDir).nodesPath;
  for (const [name, o] of Object.entries(observe)) {
    values[name] = o.kind === "log" ? countLogLines(nodesPath, o) : infoValue(nodesPath, o);
  }
  return { values, lowerBound: f.lostIsLowerBound ? ["lostAcknowledged", "lostUnacknowledged"] : [] };
}

function countLogLines(nodesPath: string, o: Extract<Observation, { kind: "log" }>): number | null {
  if (!existsSync(nodesPath)) return null;
  const re = new RegExp(o.pattern);
  let files = 0;
  let count = 0;
  for (const node of readdirSync(nodesPath).sort()) {
    if (o.nodes && !o.nodes.includes(node)) continue;
    const file = join(nodesPath, node, o.file);
    if (!existsSync(file)) continue;
    files++;
    count += countMatches(readFileSync(file, "utf8"), re);
  }
  return files ? count : null;
}

export function countMatches(log: string, re: RegExp): number {
  return log.split("\n").filter((line) => re.test(line)).length;
}

function infoValue(nodesPath: string, o: Extract<Observation, { kind: "info" }>): number | null {
  const file = join(nodesPath, o.node, "db.info.txt");
  if (!existsSync(file)) return null;
  return infoNumber(readFileSync(file, "utf8"), o.field);
}

/** A numeric field of INFO output (`field:value`); null when absent or not a number. */
export function infoNumber(info: string, field: string): number | null {
  for (const line of info.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0 && line.slice(0, i).trim() === field) {
      const n = Number(line.slice(i + 1).trim());
      return Number.isFinite(n) ? n : null;
    }
  }
  return null;
}
