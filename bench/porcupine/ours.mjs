// The splitbrain side of `npm run bench -- porcupine`, the counterpart of main.go: in one fresh process, reads one
// history file with the compiled CLI's own reader, then calls the checker function `reps` times and prints one JSON
// line. Times cover the checkLinearizable call only (pairing, partitioning, search), as main.go times porcupine's
// CheckOperationsTimeout call; memory is the peak RSS during the first call (the kernel's high-water mark, reset just
// before it) over the RSS just before it, and the process's peak RSS overall.
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const [timeoutS, reps, minMs, file, model, first] = process.argv.slice(2);
const dist = new URL("../../dist/src/", import.meta.url);
const { loadHistory } = await import(new URL("history/read.js", dist).href);
const { checkLinearizable } = await import(new URL("checker/linearizable/index.js", dist).href);
const { modelByName } = await import(new URL("models/index.js", dist).href);

const status = (field) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? Number.NaN);
const loaded = await loadHistory(file, "auto", { requireOps: true });
const m = modelByName(model);
const opts = { timeoutMs: Number(timeoutS) * 1000, stopAtFirstIllegal: first === "first" };
const peakBeforeKb = process.resourceUsage().maxRSS;
// "5" resets the peak RSS the kernel keeps for this process (Linux >= 4.0), so VmHWM is the peak while checking.
writeFileSync("/proc/self/clear_refs", "5");
const baseKb = status("VmRSS");
const checkMs = [];
let valid;
let workers = 0;
let checkPeakKb = 0;
const started = performance.now();
// At least `reps` calls and at least `minMs` in all (at most 500 calls), as Go's benchmarks run for a second or so.
for (let i = 0; i < Number(reps) || (performance.now() - started < Number(minMs) && i < 500); i++) {
  const t = performance.now();
  const r = await checkLinearizable(loaded.history, m, opts);
  checkMs.push(performance.now() - t);
  valid = r.valid;
  workers = Math.max(workers, r.stats.workers);
  // Memory is the first call's: repeating only piles up garbage for a collector that runs when it likes.
  if (i === 0) checkPeakKb = status("VmHWM");
  if (valid === "unknown") break; // out of time: repeating would only take the whole limit again
}
const peakKb = Math.max(peakBeforeKb, checkPeakKb);
console.log(
  JSON.stringify({ valid, workers, checkMs, baseRssKb: baseKb, checkPeakRssKb: checkPeakKb, peakRssKb: peakKb }),
);
