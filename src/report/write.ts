import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderReport } from "./render.js";
import { loadRunData } from "./runData.js";

export const REPORT_FILE = "report.html";

/** Reads a run directory and (re)writes its report.html; returns the file's path. */
export async function writeReport(dir: string): Promise<string> {
  const data = await loadRunData(dir);
  const path = join(dir, REPORT_FILE);
  writeFileSync(path, renderReport(data));
  return path;
}
