import { Command } from "commander";
import { auditCells, auditConclusion } from "../../compare/audit.js";
import { conclusionsText } from "../../compare/conclusions.js";
import { optionSpecs } from "../../compare/options.js";
import { type AuditContext, auditView, writeAuditOutputs } from "../../compare/outputs.js";
import {
  interruptibleSequence,
  printDryRuns,
  requireImages,
  runSequence,
  type SequencedRun,
} from "../../compare/sequence.js";
import { createOutputDir, planRuns, sequenceExitCode, withFixedSeed } from "../../compare/session.js";
import { commonContext, SHARD_HELP, shardOption, startShard } from "../../compare/shard.js";
import { renderText } from "../../compare/table.js";
import { matrixCells, parseMatrixAxis } from "../../compare/targets.js";
import { UsageError } from "../../core/exit.js";
import { answerer, say } from "../../core/output.js";
import { assertWritable } from "../../core/outputPaths.js";
import { addRunOptions, type RunOptions } from "../../runner/plan.js";
import { SERVER_SIDE_OPTIONS } from "../../target/existingConfig.js";
import { paint } from "./compare.js";

interface AuditOptions extends RunOptions {
  matrix?: string[];
  repeat: string;
  measure?: boolean;
  shard?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The audit's default setup: the 2013 Jepsen scenario, where acknowledged writes are lost on failover. */
const AUDIT_DEFAULTS = { workload: "set", nemesis: "partition", partition: "isolate-primary" } as const;

/**
 * Without --matrix, the audit asks "does min-replicas bound the loss window?": the guard off, on with Redis's default
 * max-lag (10 s), and on with 2 s. The partitions last 8 s, longer than 2 s + the replicas' 1 s ack period and
 * shorter than 10 s, so the two max-lags must give different answers if the guard works as documented; 20 s of
 * workload holds one whole partition (8 s to 16 s).
 */
export const DEFAULT_QUESTION = {
  matrix: ["min-replicas-to-write=0,1", "min-replicas-max-lag=10,2"],
  nemesisInterval: "8",
  timeLimit: "20",
} as const;

function existingGiven(o: RunOptions): boolean {
  return o.endpoint !== undefined || o.sentinel !== undefined || o.cluster !== undefined;
}

/**
 * What an audit of a deployment splitbrain did not start cannot do, said before anything is reached: a fault from
 * inside the nodes (the default partition), or a server-side axis without the user's consent to CONFIG SET it.
 */
function refuseOnExisting(o: AuditOptions, matrix: readonly string[], specs: ReturnType<typeof optionSpecs>): void {
  if (o.nemesis === undefined)
    throw new UsageError(
      "audit's default fault partitions the primary from inside the nodes, which an existing deployment does not allow",
      "name a fault that needs no node control: --nemesis hook (--hook-start/--hook-stop), failover or client-pause",
    );
  if (o.allowConfig) return;
  const serverSide = matrix
    .map((m) => parseMatrixAxis(m, specs).name)
    .filter((name) => SERVER_SIDE_OPTIONS[name] !== undefined);
  if (serverSide.length)
    throw new UsageError(
      `--matrix ${serverSide.join(", ")}: ${serverSide.length === 1 ? "a setting" : "settings"} of the server, which an audit of an existing deployment can only vary by CONFIG SET on its data nodes`,
      "give --allow-config to let each cell set its values and restore the originals after it (never CONFIG REWRITE), or audit client-side axes only (wait, waitaof)",
    );
}

export function auditCommand(): Command {
  const cmd = new Command("audit").description(
    "run a matrix of durability settings under the same faults and tabulate writes lost per setting",
  );
  addRunOptions(cmd);
  return cmd
    .option(
      "--matrix <name=values>",
      'one setting and the values it takes, e.g. "wait=0,1,2" (repeatable; the cells are every combination; without any: min-replicas-to-write=0,1 x min-replicas-max-lag=10,2 with 8 s partitions)',
      collect,
    )
    .option("--repeat <n>", "runs per cell (lost writes vary from run to run: median and worst are reported)", "3")
    .option("--shard <k/n>", SHARD_HELP)
    .option(
      "--measure",
      "exit 0 when every run completed, even if some found anomalies (default: exit 1 on anomalies, as every splitbrain command)",
    )
    .addHelpText(
      "after",
      "\nDefaults for an audit (unless given): --workload set --nemesis partition --partition isolate-primary, sentinel\n" +
        "topology. wait=0 means no WAIT. The first cell (every axis at its first value) is the baseline the latency and\n" +
        "availability costs are measured against. Repeat r of every cell uses seed + r - 1, so all cells face the same\n" +
        "fault schedules. Runs, audit.json and audit.html go to <results>/audit-<time>/.\n" +
        "On an existing deployment (--endpoint/--sentinel/--cluster): name a fault it allows (--nemesis hook, failover,\n" +
        "client-pause); server-side axes (appendfsync, min-replicas-to-write, ...) need --allow-config: each cell sets\n" +
        "them by CONFIG SET and restores the originals after it (also on Ctrl-C), never CONFIG REWRITE.\n" +
        "Example:\n" +
        '  $ splitbrain audit --matrix "wait=0,1,2" --matrix "min-replicas-to-write=0,1" --repeat 3 --time-limit 30\n' +
        "Exit codes (audit): 0 every run valid, 1 a run found anomalies (with --measure: 0 once every run completed),\n" +
        "2 a run failed, was cut short or skipped (Ctrl-C ends the audit with a partial table), 3 usage or environment error.",
    )
    .action(async (raw: AuditOptions) => {
      const specs = optionSpecs(cmd);
      const given = (name: string) =>
        cmd.getOptionValueSource(name) !== "default" && cmd.getOptionValueSource(name) !== undefined;
      const question = !raw.matrix?.length;
      if (question) {
        raw.matrix = [...DEFAULT_QUESTION.matrix];
        if (!given("nemesisInterval")) raw.nemesisInterval = DEFAULT_QUESTION.nemesisInterval;
        if (!given("timeLimit")) raw.timeLimit = DEFAULT_QUESTION.timeLimit;
        say(
          `audit: no --matrix, so the default question: does min-replicas bound the loss window? (${raw.matrix.join(" x ")}, ${raw.nemesisInterval} s partitions, ${raw.timeLimit} s of workload)`,
        );
      }
      const matrix = raw.matrix!;
      const repeat = Number(raw.repeat);
      if (!Number.isInteger(repeat) || repeat < 1)
        throw new UsageError(`--repeat takes a whole number >= 1 (got "${raw.repeat}")`);
      const cells = matrixCells(
        matrix.map((m) => parseMatrixAxis(m, specs)),
        specs,
      );
      const { matrix: _m, repeat: _r, measure, shard: _s, ...rest } = raw;
      const opts: RunOptions = { ...(rest as RunOptions) };
      if (existingGiven(raw)) refuseOnExisting(raw, matrix, specs);
      if (!given("workload")) opts.workload = AUDIT_DEFAULTS.workload;
      if (opts.nemesis === undefined) opts.nemesis = AUDIT_DEFAULTS.nemesis;
      if (opts.partition === undefined && opts.nemesis.split(",").includes("partition"))
        opts.partition = AUDIT_DEFAULTS.partition;
      const base = withFixedSeed(opts);

      const shard = shardOption(raw.shard, raw.seed);
      const check = planRuns(base, cells, base.results, 1);
      // --dry-run: what each target's runs would do, said without connecting to anything.
      if (printDryRuns(check)) return;
      assertWritable([{ flag: "--results", path: base.results, kind: "dir" }]);
      await requireImages(check);
      const outDir = createOutputDir(base.results, "audit");
      const allRuns = planRuns(base, cells, outDir, repeat);
      const ctx: AuditContext = {
        kind: "audit",
        matrix,
        ...(question ? { question: "does min-replicas bound the loss window?" } : {}),
        labels: cells.map((c) => c.label),
        ...commonContext(base, repeat, allRuns),
      };
      const runs = startShard(outDir, "audit", ctx, allRuns, shard);
      say(
        `audit: ${cells.length} cells x ${repeat} repeat(s) = ${allRuns.length} runs, seeds ${base.seed}..${Number(base.seed) + repeat - 1}${shard ? `, shard ${shard.k}/${shard.n}: ${runs.length} of them` : ""}; output ${outDir}`,
      );
      const write = (done: readonly SequencedRun[]) => writeAuditOutputs(outDir, ctx, done, runs.length);
      const interrupt = interruptibleSequence("audit");
      let done: SequencedRun[];
      try {
        write([]);
        done = await runSequence(runs, { signal: interrupt.signal, command: process.argv.slice(2), afterEach: write });
      } finally {
        interrupt.dispose();
      }
      write(done);
      const labels = ctx.labels;
      const answer = answerer(false);
      const { table, concl } = auditView(ctx, done);
      answer("");
      answer(renderText(table, paint));
      answer("");
      for (const line of auditConclusion(auditCells(labels, done), repeat)) answer(`  ${line}`);
      answer("");
      answer(conclusionsText(concl, paint));
      answer(`\naudit: ${outDir}/audit.html`);
      process.exitCode = sequenceExitCode(done, !measure);
    });
}
