import { NEMESES } from "../../nemeses/index.js";
import type { FaultPlan } from "../nemesis/nemesis.js";
import { planLayout } from "../topology/layout.js";
import { opDeadlineMs } from "./perform.js";
import type { RunPlan } from "./plan.js";
import { MAX_TIMER_MS } from "./sleep.js";

/**
 * What is wrong with a plan as a whole, judged without Docker: options that are each well-formed but cannot work
 * together on the planned topology (a WAIT for more replicas than exist, a fault the topology cannot take, a node
 * name that is not in it, a wait longer than a timer holds). Each problem names the flag to change. Pure, so every
 * command that builds a plan (run, compare, audit, scenario, suite) refuses these before anything is created.
 */
export function planProblems(plan: RunPlan): string[] {
  return [...durationProblems(plan), ...durabilityProblems(plan), ...faultProblems(plan)];
}

/** A duration too long for a timer would fire after 1 ms: a 30-day run would end at once and call itself done. */
function durationProblems(plan: RunPlan): string[] {
  const out: string[] = [];
  const limit = (flag: string, ms: number | undefined, unit: "s" | "ms") => {
    if (ms === undefined || ms <= MAX_TIMER_MS) return;
    const max = unit === "s" ? `${Math.floor(MAX_TIMER_MS / 1000)} s` : `${MAX_TIMER_MS} ms`;
    out.push(
      `${flag} ${unit === "s" ? ms / 1000 : ms} is longer than Node's timers can wait (at most ${max}, about 24.8 days)`,
    );
  };
  limit("--time-limit", plan.timeLimitMs, "s");
  limit("--recovery-time", plan.recoveryMs, "s");
  limit("--nemesis-interval", plan.nemesisIntervalMs, "s");
  limit("--check-timeout", plan.checkTimeoutMs, "s");
  limit("--op-timeout", plan.opTimeoutMs, "ms");
  const waitTimeoutMs = plan.durability.kind === "primary" ? 0 : plan.durability.timeoutMs;
  limit("--wait-timeout", waitTimeoutMs, "ms");
  // Each op is also bounded by a deadline built from both; it is a timer too.
  if (!out.length && opDeadlineMs(plan.opTimeoutMs, waitTimeoutMs) > MAX_TIMER_MS) {
    out.push(
      `--op-timeout ${plan.opTimeoutMs} with --wait-timeout ${waitTimeoutMs} gives each op a deadline longer than Node's timers can wait; lower them`,
    );
  }
  return out;
}

function replicasPerPrimary(plan: RunPlan): number {
  return plan.cluster.topology === "single" ? 0 : plan.cluster.replicas;
}

/**
 * WAIT and WAITAOF for more replicas than a primary has never succeed: every write would time out and be recorded
 * as indeterminate, and the run would measure nothing.
 */
function durabilityProblems(plan: RunPlan): string[] {
  // An existing deployment's replicas are not known before it is reached; the server then refuses what it lacks.
  if (plan.existing) return [];
  const d = plan.durability;
  const replicas = replicasPerPrimary(plan);
  const where = `--topology ${plan.cluster.topology} has ${replicas} replica(s) per primary`;
  const out: string[] = [];
  if (d.kind === "wait" && d.replicas > replicas) {
    out.push(
      replicas === 0
        ? `--wait needs replicas: ${where}, none to wait for (use --topology replicated or sentinel)`
        : `--wait ${d.replicas} asks for more acknowledgements than exist: ${where}; lower --wait or raise --replicas`,
    );
  }
  if (d.kind === "waitaof") {
    if (d.replicas > replicas) {
      out.push(
        `--waitaof ${d.local} ${d.replicas} asks for more replica fsyncs than exist: ${where}; lower <replicas> or raise --replicas`,
      );
    }
    // The server refuses WAITAOF with a local fsync while AOF is off, so every write would fail.
    if (d.local > 0 && plan.cluster.settings.appendonly !== true) {
      out.push(`--waitaof ${d.local} ${d.replicas} waits for the primary's AOF fsync, which needs --appendonly yes`);
    }
  }
  return out;
}

function faultsWithoutNodeControl(): string[] {
  return [...NEMESES.values()].filter((p) => p.withoutNodeControl).map((p) => p.name);
}

/** Each fault says what it needs of the plan (NemesisPackage.planProblem); this only asks them. */
function faultProblems(plan: RunPlan): string[] {
  const layout = planLayout(plan.cluster);
  const faultPlan: FaultPlan = {
    topology: plan.cluster.topology,
    dataNodes: layout.filter((n) => n.kind === "data").map((n) => n.name),
    nodes: layout.map((n) => n.name),
    options: plan.nemesisOptions,
    nodeControl: plan.existing === undefined,
  };
  const out = new Set<string>();
  for (const name of plan.nemeses) {
    const p = NEMESES.get(name);
    if (plan.existing && p && !p.withoutNodeControl) {
      out.add(
        `--nemesis ${name} acts inside the nodes (it needs the Docker containers of a cluster splitbrain started), which an existing deployment does not give; use --nemesis hook with your own commands (--hook-start/--hook-stop), or a fault by command: ${faultsWithoutNodeControl().join(", ")}`,
      );
      continue;
    }
    const problem = NEMESES.get(name)?.planProblem?.(faultPlan);
    if (problem !== undefined) out.add(problem);
  }
  return [...out];
}
