import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Cluster, DbName } from "../core/cluster.js";
import { SeededRng } from "../core/rng.js";
import { dbCommand } from "../nemesis/node-io.js";
import { resolveTargets } from "../nemesis/targeting.js";
import { parseTarget } from "../nemesis/targets.js";
import { readTestRecord } from "../rundir/record.js";
import { Progress } from "../runner/progress.js";
import { type RunOutcome, runPlan } from "../runner/run.js";
import { sleep } from "../runner/sleep.js";
import { redactCommand } from "../target/existingOptions.js";
import { type Evaluation, judge, type Observed } from "./expectation.js";
import { observeRun } from "./observe.js";
import { scenarioPlan } from "./options.js";
import { expectationText, type PlanValue, type Scenario, type Step } from "./scenario.js";

/** What `scenario run` and the suite write next to a run's results: the question, the expectation, what was seen. */
export interface ScenarioRecord {
  scenario: string;
  file: string;
  question: string;
  expectation: string;
  db: DbName;
  overrides: Record<string, PlanValue>;
  outcome: Evaluation["outcome"];
  conditions: Evaluation["conditions"];
  observed: Observed;
  steps: StepRecord[];
}

export interface StepRecord {
  command: string[];
  atMs: number;
  nodes: string[];
  reply?: string;
  error?: string;
}

export interface ScenarioRun {
  outcome: RunOutcome;
  record: ScenarioRecord;
}

export const SCENARIO_FILE = "scenario.json";

/** Sends a scenario's steps at their times; a failed step is recorded and logged, never fatal to the run. */
async function runSteps(
  steps: readonly Step[],
  cluster: Cluster,
  clock: { now(): number },
  log: (l: string) => void,
  signal?: AbortSignal,
): Promise<StepRecord[]> {
  const t0 = clock.now();
  const out: StepRecord[] = [];
  const ctx = { cluster, rng: new SeededRng(1), log };
  for (const step of [...steps].sort((a, b) => a.atS - b.atS)) {
    await sleep(step.atS * 1000 - (clock.now() - t0) / 1e6, signal);
    if (signal?.aborted) break;
    const atMs = Math.round((clock.now() - t0) / 1e6);
    const rec: StepRecord = { command: step.command, atMs, nodes: [] };
    try {
      const nodes = await resolveTargets(ctx, parseTarget(step.target));
      rec.nodes = nodes.map((n) => n.name);
      const replies = await Promise.all(
        nodes.map((n) => dbCommand(n, step.command, { timeoutMs: step.timeoutS * 1000 })),
      );
      rec.reply = replies.join(" | ").slice(0, 200);
      log(`  step ${step.command.join(" ")} on ${rec.nodes.join(",")}: ${rec.reply}`);
    } catch (err) {
      rec.error = (err as Error).message.split("\n")[0]!;
      log(`  step ${step.command.join(" ")} failed: ${rec.error}`);
    }
    out.push(rec);
  }
  return out;
}

/** The person's options as scenario.json keeps them: passwords (options or inside a redis:// URL) as "***". */
function redactOverrides(o: Record<string, PlanValue>): Record<string, PlanValue> {
  const out: Record<string, PlanValue> = {};
  for (const [k, v] of Object.entries(o))
    out[k] = k === "password" || k === "sentinelPassword" ? "***" : typeof v === "string" ? redactCommand([v])[0]! : v;
  return out;
}

/** One scenario through the ordinary runner, then judged against its expectation; scenario.json goes in the run dir. */
export async function runScenario(
  s: Scenario,
  opts: {
    db?: DbName;
    overrides?: Record<string, PlanValue>;
    results?: string;
    progress?: Progress;
    signal?: AbortSignal;
    command?: string[];
  } = {},
): Promise<ScenarioRun> {
  const progress = opts.progress ?? new Progress();
  const plan = scenarioPlan(s, {
    ...(opts.db ? { db: opts.db } : {}),
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
    ...(opts.results ? { results: opts.results } : {}),
  });
  let steps: StepRecord[] = [];
  progress.event(`scenario ${s.name}: ${s.question}`);
  progress.event(`expected: ${expectationText(s)}`);
  const outcome = await runPlan(plan, {
    progress,
    ...(opts.signal ? { signal: opts.signal } : {}),
    command: opts.command ?? ["scenario", "run", s.name],
    ...(s.steps.length
      ? {
          duringWorkload: async (cluster: Cluster, clock: { now(): number }) => {
            steps = await runSteps(s.steps, cluster, clock, (l) => progress.event(l), opts.signal);
          },
        }
      : {}),
  });
  const observed = await observeRun(outcome.dir.path, s.observe);
  const labels = Object.fromEntries(Object.entries(s.observe).map(([k, o]) => [k, o.label]));
  const evaluation = judge(s.expect, observed, labels);
  const record: ScenarioRecord = {
    scenario: s.name,
    file: s.file,
    question: s.question,
    expectation: expectationText(s),
    // An existing deployment says which engine it runs (the run's own record holds it).
    db: readTestRecord(outcome.dir.path).plan.cluster.db,
    overrides: redactOverrides(opts.overrides ?? {}),
    outcome: evaluation.outcome,
    conditions: evaluation.conditions,
    observed,
    steps,
  };
  writeFileSync(join(outcome.dir.path, SCENARIO_FILE), JSON.stringify(record, null, 2) + "\n");
  return { outcome, record };
}
