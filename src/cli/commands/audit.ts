import { Command } from "commander";
import { auditCells, auditConclusion, auditTable } from "../../compare/audit.js";
import { conclude, conclusionsHtml, conclusionsText } from "../../compare/conclusions.js";
import { versionLine } from "../../compare/explain.js";
import { renderPage } from "../../compare/html.js";
import { optionSpecs } from "../../compare/options.js";
import { interruptibleSequence, requireImages, runSequence, type SequencedRun } from "../../compare/sequence.js";
import {
  createOutputDir,
  planRuns,
  planSummary,
  runLink,
  sequenceExitCode,
  withFixedSeed,
  writeOutputs,
} from "../../compare/session.js";
import { renderText } from "../../compare/table.js";
import { matrixCells, parseMatrixAxis } from "../../compare/targets.js";
import { UsageError } from "../../core/exit.js";
import { answerer, say } from "../../core/output.js";
import { assertWritable } from "../../core/outputPaths.js";
import { addRunOptions, type RunOptions } from "../../runner/plan.js";
import { paint } from "./compare.js";

interface AuditOptions extends RunOptions {
  matrix?: string[];
  repeat: string;
  measure?: boolean;
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
      const { matrix: _m, repeat: _r, measure, ...rest } = raw;
      const opts: RunOptions = { ...(rest as RunOptions) };
      if (!given("workload")) opts.workload = AUDIT_DEFAULTS.workload;
      if (opts.nemesis === undefined) opts.nemesis = AUDIT_DEFAULTS.nemesis;
      if (opts.partition === undefined && opts.nemesis.split(",").includes("partition"))
        opts.partition = AUDIT_DEFAULTS.partition;
      const base = withFixedSeed(opts);

      const check = planRuns(base, cells, base.results, 1);
      assertWritable([{ flag: "--results", path: base.results, kind: "dir" }]);
      await requireImages(check);
      const outDir = createOutputDir(base.results, "audit");
      const runs = planRuns(base, cells, outDir, repeat);
      say(
        `audit: ${cells.length} cells x ${repeat} repeat(s) = ${runs.length} runs, seeds ${base.seed}..${Number(base.seed) + repeat - 1}; output ${outDir}`,
      );

      const labels = cells.map((c) => c.label);
      const planOf = (label: string) => runs.find((r) => r.label === label)?.plan;
      const render = (done: readonly SequencedRun[]) => {
        const summary = auditCells(labels, done);
        const concl = conclude(labels, done, planOf, "baseline");
        return {
          summary,
          concl,
          table: auditTable(summary, repeat),
          conclusion: [...auditConclusion(summary, repeat), ...concl.verdicts],
        };
      };
      const write = (done: readonly SequencedRun[]) => {
        const { summary, concl, table, conclusion } = render(done);
        const page = renderPage({
          ...conclusionsHtml(concl, done),
          title: `splitbrain audit: ${matrix.join(" x ")}`,
          lead: [
            versionLine(concl.targets),
            ...conclusion,
            ...concl.why,
            done.length < runs.length ? `${done.length} of ${runs.length} runs so far` : `${runs.length} runs`,
          ],
          table: {
            ...table,
            rows: table.rows.map((row, i) => ({
              ...row,
              cells: [...row.cells, summary[i]!.runDirs.length ? "runs" : "-"],
              links: [...row.cells.map(() => undefined), firstRunLink(outDir, done, labels[i]!)],
            })),
            columns: [...table.columns, "runs"],
          },
          plan: [
            ...planSummary(runs[0]!.plan, base.partition).filter(([k]) => k !== "seed"),
            ["seeds", `${base.seed}..${Number(base.seed) + repeat - 1}`],
            ["database", `${runs[0]!.plan.cluster.db}`],
          ],
          notes: [
            'Lost = acknowledged writes missing at the end (set elements, queue jobs, counter shortfall); indeterminate (info) writes never count. Median and worst over the runs that completed; "+" marks a lower bound.',
            "Costs compare medians with the baseline row: latency over ok ops, availability = ok / (ok + fail + info).",
            "Zero lost in a few runs is a measurement, not a proof: faults land at different moments each run.",
          ],
        });
        writeOutputs(
          outDir,
          "audit",
          {
            kind: "audit",
            seed: Number(base.seed),
            repeat,
            matrix,
            ...(question ? { question: "does min-replicas bound the loss window?" } : {}),
            cells: summary,
            targets: concl.targets,
            differences: concl.differences,
            conclusion,
            why: concl.why,
            runs: done,
          },
          page,
        );
      };
      const interrupt = interruptibleSequence("audit");
      let done: SequencedRun[];
      try {
        write([]);
        done = await runSequence(runs, { signal: interrupt.signal, command: process.argv.slice(2), afterEach: write });
      } finally {
        interrupt.dispose();
      }
      write(done);
      const answer = answerer(false);
      const { table, concl } = render(done);
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

/** The page links each cell to its first run's report (the others are listed in audit.json). */
function firstRunLink(outDir: string, done: readonly SequencedRun[], label: string): string | undefined {
  const run = done.find((r) => r.label === label && r.runDir);
  return run ? runLink(outDir, run) : undefined;
}
