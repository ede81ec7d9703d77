import { type Command, Option } from "commander";
import {
  CLOCK_SKEW_NOTE,
  defaultNemeses,
  FAULT_OPTIONS,
  type NemesisOptions,
  nemesisHelp,
  parseNemesisList,
} from "../../nemeses/index.js";
import { assignClients, DEFAULT_WORKLOADS, parseWorkloads } from "../../workloads/index.js";
import { TXN_MODES, type TxnMode } from "../../workloads/list-append.js";
import { DEFAULT_OP_TIMEOUT_MS } from "../client/connect.js";
import { durabilityFrom } from "../client/durability.js";
import { CLIENT_MODES, type ClientModeChoice } from "../client/reach.js";
import { addClusterOptions, type ClusterOptions, clusterSpecFromOptions } from "../cluster/options.js";
import { UsageError } from "../core/exit.js";
import type { FaultOption } from "../nemesis/nemesis.js";
import { DEFAULT_NEMESIS_INTERVAL_MS, type ScheduleMode } from "../nemesis/schedule.js";
import type { ExistingPlan, RunPlan } from "../rundir/plan.js";
import { existingSettingsProblems } from "../target/existingConfig.js";
import { addExistingOptions, type ExistingOptions, existingFromOptions } from "../target/existingOptions.js";
import type { ClusterSpec } from "../topology/spec.js";
import { planProblems } from "./planProblems.js";

export type { RunPlan };

export interface RunOptions extends ClusterOptions, ExistingOptions {
  workload: string;
  keys?: string;
  txn?: string;
  concurrency: string;
  rate?: string;
  timeLimit: string;
  recoveryTime: string;
  opTimeout: string;
  wait?: string;
  waitaof?: string[];
  waitTimeout?: string;
  nemesis?: string;
  nemesisInterval: string;
  nemesisMode: string;
  seed?: string;
  results: string;
  keep?: boolean;
  checkTimeout?: string;
  clientMode?: string;
  /** The faults' own options (FAULT_OPTIONS), under commander's attribute names: text, or true for a flag. */
  [faultOption: string]: unknown;
}

/** Adds every option of a run (cluster, workload, faults, timing) to a command; run, compare and audit share it. */
export function addRunOptions(cmd: Command): Command {
  addClusterOptions(cmd);
  addExistingOptions(cmd);
  cmd
    .option("--workload <names>", "workloads, comma-separated: register, set, counter, queue", DEFAULT_WORKLOADS)
    .option("--keys <n>", "registers / keys the register workload spreads over (default: 8)")
    .option("--txn <mode>", "how list-append transactions run: multi (MULTI/EXEC, default) or lua (one script)")
    .option("--concurrency <n>", "client processes, split among the workloads", "10")
    .option("--rate <ops/s>", "limit each client to this many ops per second (default: unlimited)")
    .option("--time-limit <s>", "seconds of workload (and faults)", "60")
    .option("--recovery-time <s>", "seconds to wait after healing before the final reads", "10")
    .option(
      "--op-timeout <ms>",
      "per-command timeout; an op that times out is indeterminate (info)",
      String(DEFAULT_OP_TIMEOUT_MS),
    )
    .option("--wait <n>", "send WAIT <n> after every write; a write is ok only if n replicas acknowledged it")
    .option("--waitaof <local_replicas...>", "send WAITAOF <local> <replicas> after every write (two numbers)")
    .option("--wait-timeout <ms>", "timeout for WAIT / WAITAOF", "1000")
    .option("--nemesis <faults>", "faults, comma-separated, or none (default: partition,kill; kill on single)")
    .option(
      "--nemesis-interval <s>",
      "seconds between a fault's start and stop, and between faults",
      String(DEFAULT_NEMESIS_INTERVAL_MS / 1000),
    )
    .addOption(
      new Option("--nemesis-mode <mode>", "one fault at a time, or overlapping as Jepsen's combined nemesis")
        .choices(["sequential", "mix"])
        .default("sequential"),
    );
  for (const f of FAULT_OPTIONS) cmd.addOption(cliOption(f));
  return cmd
    .option("--seed <n>", "seed for op generation and the fault schedule (default: random, printed)")
    .option("--results <dir>", "where run directories go", "results")
    .option("--keep", "leave the cluster running after the run (prints how to reach and remove it)")
    .option(
      "--check-timeout <s>",
      "time limit for the linearizability search; keys still undecided then are unknown",
      "60",
    )
    .addOption(
      new Option(
        "--client-mode <mode>",
        "how the runner reaches nodes: container addresses (direct), ports published on the Docker host (published), " +
          "or probe and pick (auto; Docker Desktop, rootless and remote engines need published)",
      )
        .choices([...CLIENT_MODES])
        .default("auto"),
    )
    .addHelpText(
      "after",
      `\nFaults (--nemesis):\n${nemesisHelp()}\n\n${CLOCK_SKEW_NOTE}\n` +
        "\nExit codes: 0 valid, 1 anomalies found, 2 unknown or cut short, 3 usage or environment error.",
    );
}

function cliOption(f: FaultOption<NemesisOptions>): Option {
  const option = new Option(f.flags, f.description);
  return f.choices ? option.choices([...f.choices]) : option;
}

/** Each fault option the user gave, landed in the plan by the fault that declares it, in `--help` order. */
function faultOptions(o: RunOptions, problems: string[]): NemesisOptions {
  const out: NemesisOptions = {};
  for (const f of FAULT_OPTIONS) {
    const value = o[new Option(f.flags).attributeName()];
    // Flags count when true; commander leaves an option the user did not give undefined.
    if (value === undefined || value === false) continue;
    Object.assign(out, f.parse(value as string | true, problems));
  }
  return out;
}

function posInt(flag: string, text: string | undefined, problems: string[], min = 1): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    problems.push(`${flag} takes a whole number >= ${min} (got "${text}")`);
    return undefined;
  }
  return n;
}

function seconds(flag: string, text: string, problems: string[], allowZero = false): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s < 0 || (!allowZero && s === 0)) {
    problems.push(`${flag} takes a positive number of seconds (got "${text}")`);
    return 0;
  }
  return Math.round(s * 1000);
}

/** Parsed options -> a validated plan, or one UsageError that lists every problem. */
export function planFromOptions(o: RunOptions): RunPlan {
  const problems: string[] = [];
  const existing = existingFromOptions(o, problems);
  if (existing && o.topology !== undefined && o.topology !== existing.kind)
    problems.push(
      `--topology ${o.topology} describes a cluster to start; an existing deployment's shape comes from --endpoint, --sentinel or --cluster`,
    );
  // An existing deployment's shape is the one it has; the rest of the spec (engine, settings) is read from it later.
  const cluster = existing ? existingSpec(o, existing, problems) : clusterSpecFromOptions(o);
  const workloads = parseWorkloads(o.workload);
  const concurrency = posInt("--concurrency", o.concurrency, problems) ?? 10;
  const slots = assignClients(concurrency, workloads);
  const keys = posInt("--keys", o.keys, problems);
  if (o.txn !== undefined && !(TXN_MODES as readonly string[]).includes(o.txn))
    problems.push(`--txn takes one of ${TXN_MODES.join(", ")} (got "${o.txn}")`);
  const rate = o.rate === undefined ? undefined : Number(o.rate);
  if (rate !== undefined && !(rate > 0))
    problems.push(`--rate takes a positive number of ops per second (got "${o.rate}")`);
  const timeLimitMs = seconds("--time-limit", o.timeLimit, problems);
  const recoveryMs = seconds("--recovery-time", o.recoveryTime, problems, true);
  const opTimeoutMs = posInt("--op-timeout", o.opTimeout, problems) ?? DEFAULT_OP_TIMEOUT_MS;
  const waitTimeoutMs = posInt("--wait-timeout", o.waitTimeout, problems);
  const wait = posInt("--wait", o.wait, problems);
  let waitaof: [number, number] | undefined;
  if (o.waitaof !== undefined) {
    const nums = o.waitaof.map(Number);
    if (nums.length !== 2 || nums.some((n) => !Number.isInteger(n) || n < 0)) {
      problems.push(`--waitaof takes two whole numbers, <local> <replicas> (got "${o.waitaof.join(" ")}")`);
    } else waitaof = [nums[0]!, nums[1]!];
  }
  const durability = durabilityFrom({
    ...(wait !== undefined ? { wait } : {}),
    ...(waitaof !== undefined ? { waitaof } : {}),
    ...(waitTimeoutMs !== undefined ? { waitTimeoutMs } : {}),
  });
  // On a deployment it does not own, a run causes no fault the user did not name.
  const nemeses =
    o.nemesis === undefined ? (existing ? "none" : defaultNemeses(cluster.topology).join(",")) : o.nemesis;
  const packages = parseNemesisList(nemeses);
  const nemesisIntervalMs = seconds("--nemesis-interval", o.nemesisInterval, problems);
  const nemesisOptions = faultOptions(o, problems);
  let seed: number;
  if (o.seed === undefined) seed = Math.floor(Math.random() * 2 ** 31);
  else {
    seed = Number(o.seed);
    if (!Number.isInteger(seed) || seed < 0) problems.push(`--seed takes a whole number >= 0 (got "${o.seed}")`);
  }
  const checkTimeoutMs =
    o.checkTimeout === undefined ? undefined : seconds("--check-timeout", o.checkTimeout, problems);
  const clientMode = (o.clientMode ?? "auto") as ClientModeChoice;
  if (!(CLIENT_MODES as readonly string[]).includes(clientMode)) {
    problems.push(`--client-mode takes one of ${CLIENT_MODES.join(", ")} (got "${o.clientMode}")`);
  }
  const refuse = () => {
    throw new UsageError(
      problems.length === 1 ? problems[0]! : "\n  " + problems.join("\n  "),
      "see splitbrain run --help",
    );
  };
  if (problems.length) refuse();
  const plan: RunPlan = {
    cluster,
    workloads,
    slots,
    keys,
    ...(o.txn !== undefined ? { txn: o.txn as TxnMode } : {}),
    concurrency,
    rate,
    timeLimitMs,
    recoveryMs,
    opTimeoutMs,
    durability,
    nemeses: packages.map((p) => p.name),
    nemesisIntervalMs,
    nemesisMode: o.nemesisMode as ScheduleMode,
    nemesisOptions,
    seed,
    resultsRoot: o.results,
    keep: !!o.keep,
    checkTimeoutMs,
    clientMode,
    ...(existing ? { existing } : {}),
  };
  // Options that are each well-formed may still not fit together or the topology; judged here, before Docker.
  problems.push(...planProblems(plan));
  if (problems.length) refuse();
  return plan;
}

/**
 * The spec of an existing deployment: its kind as topology, and the settings under test (set by CONFIG SET with
 * --allow-config) validated as for a cluster with replicas, since how many it has is only known once it is reached.
 */
function existingSpec(o: RunOptions, existing: ExistingPlan, problems: string[]): ClusterSpec {
  const topology = existing.kind;
  const { settings } = clusterSpecFromOptions({ ...o, topology: "sentinel", replicas: "9" });
  problems.push(...existingSettingsProblems(o, settings, existing.allowConfig === true));
  const spec = clusterSpecFromOptions({
    ...o,
    topology,
    replicas: undefined,
    minReplicasToWrite: undefined,
    minReplicasMaxLag: undefined,
  });
  return { ...spec, settings };
}
