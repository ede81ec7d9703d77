import { Command } from "commander";
import { NEMESES } from "../../nemeses/index.js";
import type { DbName } from "../core/cluster.js";
import { UsageError } from "../core/exit.js";
import { addRunOptions, planFromOptions, type RunOptions, type RunPlan } from "../runner/plan.js";
import { existingObstacles, type PlanValue, type Scenario } from "./scenario.js";

/**
 * A scenario's plan as `splitbrain run` would build it: the run command's defaults, then the scenario's options,
 * then whatever the person running it overrode on the command line. Pure apart from the seed planFromOptions draws.
 */

let defaults: Record<string, unknown> | undefined;

/** The run options' defaults, read from the run command's own definition. */
function runDefaults(): Record<string, unknown> {
  if (!defaults) {
    const cmd = addRunOptions(new Command()).exitOverride();
    cmd.parse([], { from: "user" });
    defaults = cmd.opts();
  }
  return defaults;
}

/** Faults a scenario names that this build does not have (e.g. power-loss before it lands). */
export function missingFaults(s: Scenario): string[] {
  return s.needsFaults.filter((f) => !NEMESES.has(f));
}

export function scenarioOptions(s: Scenario, db: DbName, overrides: Record<string, PlanValue> = {}): RunOptions {
  return { ...runDefaults(), ...s.plan, ...overrides, db } as unknown as RunOptions;
}

/** Which flag reaches a deployment of the shape a scenario's plan is about. */
const FLAG_FOR_TOPOLOGY: Record<string, "endpoint" | "sentinel" | "cluster"> = {
  single: "endpoint",
  replicated: "endpoint",
  sentinel: "sentinel",
  cluster: "cluster",
};

/**
 * The scenario as it runs on the existing deployment the overrides name (unchanged when they name none): only a
 * scenario that declares it may, on a deployment of the shape it is about; its topology is then the deployment's.
 */
function onExisting(s: Scenario, overrides: Record<string, PlanValue>): Scenario {
  const given = (["endpoint", "sentinel", "cluster"] as const).filter((k) => overrides[k] !== undefined);
  if (!given.length) return s;
  if (!s.existing) {
    const why = existingObstacles(s);
    throw new UsageError(
      `scenario ${s.name} cannot run on an existing deployment: ${why.length ? why.join("; ") : `its file (${s.file}) does not declare "existing": true`}`,
      "run it without --endpoint/--sentinel/--cluster (splitbrain starts the cluster); `scenario list` marks the ones that can",
    );
  }
  const topology = String(s.plan.topology ?? "sentinel");
  const wanted = FLAG_FOR_TOPOLOGY[topology] ?? "endpoint";
  if (!given.includes(wanted))
    throw new UsageError(
      `scenario ${s.name} is about a ${topology} deployment: reach one with --${wanted}`,
      `got --${given[0]}`,
    );
  const { topology: _t, ...plan } = s.plan;
  return { ...s, plan };
}

/** The run plan of a scenario, or a UsageError naming the scenario's file and what is wrong with its plan. */
export function scenarioPlan(
  s: Scenario,
  opts: { db?: DbName; overrides?: Record<string, PlanValue>; results?: string } = {},
): RunPlan {
  const missing = missingFaults(s);
  if (missing.length) {
    throw new UsageError(
      `scenario ${s.name} needs the ${missing.join(", ")} fault, which this build of splitbrain does not have yet`,
      "it is listed so its plan and reasoning can be read; it runs once the fault lands",
    );
  }
  const db = opts.db ?? s.engines[0]!;
  if (!s.engines.includes(db)) {
    throw new UsageError(
      `scenario ${s.name} applies to ${s.engines.join(", ")}, not ${db}`,
      `drop --db, or pick one of: ${s.engines.join(", ")}`,
    );
  }
  const scenario = onExisting(s, opts.overrides ?? {});
  try {
    return planFromOptions({
      ...scenarioOptions(scenario, db, opts.overrides),
      ...(opts.results ? { results: opts.results } : {}),
    });
  } catch (err) {
    if (err instanceof UsageError) {
      const given = Object.keys(opts.overrides ?? {});
      // The problem may come from the person's overrides rather than the file, so both are named.
      const where = given.length
        ? `${s.file} plan with your ${given.map((k) => `--${k.replace(/[A-Z]/g, (ch) => "-" + ch.toLowerCase())}`).join(", ")}`
        : `${s.file}: plan`;
      throw new UsageError(`${where}: ${err.message.trim()}`, err.hint);
    }
    throw err;
  }
}
