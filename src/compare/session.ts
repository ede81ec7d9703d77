import { existsSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { type ExitCode as Code, ExitCode, UsageError } from "../core/exit.js";
import { makeDirs } from "../core/outputPaths.js";
import { writeJson } from "../rundir/paths.js";
import { planFromOptions, type RunOptions, type RunPlan } from "../runner/plan.js";
import { targetOptions } from "./options.js";
import type { PlannedRun, SequencedRun } from "./sequence.js";
import type { Target } from "./targets.js";

/**
 * What compare and audit share around their runs: one seed for every target (the same plan means the same ops and
 * the same fault schedule), one output directory holding the runs and the tables, and the exit code.
 */

/** The command's options with the seed fixed, so that every target draws the same ops and faults. */
export function withFixedSeed<T extends RunOptions>(opts: T): T & { seed: string } {
  return { ...opts, seed: opts.seed ?? String(Math.floor(Math.random() * 2 ** 31)) };
}

/**
 * One plan per target (and per repeat: repeat r uses seed + r - 1, the same for every cell, so each cell faces the
 * same sequence of fault schedules). Every plan is validated before anything runs, and a problem names its target.
 */
export function planRuns(
  base: RunOptions & { seed: string },
  targets: readonly Target[],
  outDir: string,
  repeat = 1,
): PlannedRun[] {
  const runs: PlannedRun[] = [];
  const problems: string[] = [];
  for (let r = 1; r <= repeat; r++) {
    for (const t of targets) {
      const opts = targetOptions({ ...base, results: outDir }, t.overrides);
      opts.seed = String(Number(base.seed) + r - 1);
      try {
        const plan = planFromOptions(opts);
        runs.push({ label: t.label, plan, ...(repeat > 1 || r > 1 ? { repeat: r } : {}) });
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        if (r === 1) problems.push(`${t.label || "(base)"}: ${err.message.trim()}`);
      }
    }
  }
  if (problems.length)
    throw new UsageError(
      `some targets are not valid runs:\n  ${problems.join("\n  ")}`,
      "see splitbrain run --help for what each option takes",
    );
  return runs;
}

/** results/<kind>-<timestamp>/: the runs go inside it, next to the tables, so the whole comparison moves as one. */
export function createOutputDir(resultsRoot: string, kind: "compare" | "audit", now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  let dir = resolve(resultsRoot, `${kind}-${ts}`);
  for (let i = 2; existsSync(dir); i++) dir = resolve(resultsRoot, `${kind}-${ts}-${i}`);
  makeDirs(dir);
  return dir;
}

/** Link from the comparison page to a run: its own report.html when it has one, else its directory. */
export function runLink(outDir: string, run: SequencedRun): string | undefined {
  if (!run.runDir) return undefined;
  const rel = relative(outDir, run.runDir) || basename(run.runDir);
  return existsSync(join(run.runDir, "report.html")) ? `${rel}/report.html` : `${rel}/`;
}

export function writeOutputs(outDir: string, name: "compare" | "audit", json: unknown, html: string): void {
  writeJson(join(outDir, `${name}.json`), json);
  writeFileSync(join(outDir, `${name}.html`), html);
}

/** The settings every target shares, for the "held the same" table; `partition` is --partition as given, if it was. */
export function planSummary(plan: RunPlan, partition?: unknown): Array<[string, string]> {
  const faults = plan.nemeses.length ? plan.nemeses.join(", ") : "none";
  const shape = partition ? ` (partition ${partition})` : "";
  return [
    ["topology", plan.cluster.topology],
    ["workloads", plan.workloads.join(", ")],
    ["clients", String(plan.concurrency)],
    ["faults", `${faults}${shape}, every ${plan.nemesisIntervalMs / 1000} s, ${plan.nemesisMode}`],
    ["workload time", `${plan.timeLimitMs / 1000} s (+ ${plan.recoveryMs / 1000} s recovery)`],
    ["op timeout", `${plan.opTimeoutMs} ms`],
    ["seed", String(plan.seed)],
  ];
}

/**
 * compare and audit measure; they do not judge. 0 when every run completed (whatever it found), 2 when any run
 * failed, was cut short or was skipped, and 1 when a completed run found anomalies (unless the caller only measures: --measure).
 */
export function sequenceExitCode(runs: readonly SequencedRun[], failOnAnomalies: boolean): Code {
  const incomplete = runs.some((r) => r.status !== "done" || r.figures?.incomplete);
  if (failOnAnomalies && runs.some((r) => r.figures?.valid === false)) return ExitCode.Anomalies;
  return incomplete ? ExitCode.Unknown : ExitCode.Valid;
}
