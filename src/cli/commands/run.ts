import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { ExitCode, exitCodeFor } from "../../core/exit.js";
import { answerer, c, printJson, say } from "../../core/output.js";
import { assertWritable } from "../../core/outputPaths.js";
import { onInterrupts } from "../../docker/cleanup.js";
import { figureLines } from "../../metrics/describe.js";
import { junitXml } from "../../report/junit.js";
import { mayStillBeInPlace } from "../../rundir/healFailures.js";
import { readTestRecord, summaryLines, verdictWord } from "../../runner/checkRun.js";
import { dryRunLines } from "../../runner/dryRun.js";
import { addRunOptions, planFromOptions, type RunOptions } from "../../runner/plan.js";
import { runPlan } from "../../runner/run.js";

export function runCommand(): Command {
  const cmd = new Command("run").description(
    "start a cluster, run workloads under faults, check the history and write a report",
  );
  addRunOptions(cmd);
  return cmd
    .option("--json", "print the run's summary (verdict, checkers, run directory) as JSON on stdout")
    .option(
      "--junit <file>",
      "also write a JUnit XML file: one test case per checker, failures carry the anomaly summary",
    )
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  $ splitbrain run                                   # sentinel, register+set, partition+kill, 60 s\n" +
        "  $ splitbrain run --nemesis partition --partition isolate-primary --time-limit 30\n" +
        "  $ splitbrain run --wait 2 --min-replicas-to-write 1 --workload set\n" +
        "  $ splitbrain run --topology single --nemesis none --workload counter --seed 42\n" +
        "  $ splitbrain run --sentinel 10.0.0.5:26379 --master-name mymaster --nemesis hook \\\n" +
        "      --hook-start 'kubectl delete pod redis-0' --hook-stop 'kubectl wait --for=condition=Ready pod/redis-0'",
    )
    .action(async (opts: RunOptions & { json?: boolean; junit?: string }) => {
      const plan = planFromOptions(opts);
      if (plan.existing?.dryRun) {
        for (const line of dryRunLines(plan)) process.stdout.write(`${line}\n`);
        return;
      }
      assertWritable([
        { flag: "--results", path: plan.resultsRoot, kind: "dir" },
        opts.junit !== undefined ? { flag: "--junit", path: opts.junit, kind: "file" } : undefined,
      ]);
      const stop = new AbortController();
      // First Ctrl-C: stop the workload, heal, tear down and still check what was recorded. Second: heal and
      // remove everything now. Third: exit at once.
      const offInterrupts = onInterrupts({
        graceful: {
          say: "stopping the workload; healing, tearing down and checking what was recorded (Ctrl-C again to skip the check)",
          stop: () => stop.abort(),
        },
        exitCode: ExitCode.Unknown,
      });
      try {
        const outcome = await runPlan(plan, { signal: stop.signal, command: process.argv.slice(2) });
        const r = outcome.results;
        const answer = answerer(opts.json);
        answer("");
        answer(
          `${c().bold("verdict:")} ${colourVerdict(r.valid)}${r.incomplete ? c().yellow(` (run incomplete: ${r.incomplete})`) : ""}`,
        );
        for (const line of summaryLines(r)) answer(`  ${line}`);
        for (const line of figureLines(r, plan)) answer(`  ${line}`);
        answer(`results: ${outcome.dir.path}`);
        for (const f of mayStillBeInPlace(outcome.healFailures))
          say(c().yellow(`warning: ${f.nemesis} was not healed: ${f.mayRemain}; ${f.outcome}`));
        if (outcome.reportPath) answer(`report:  ${outcome.reportPath}`);
        if (opts.junit) {
          writeFileSync(
            opts.junit,
            junitXml([{ test: readTestRecord(outcome.dir.path), results: r, dir: outcome.dir.path }]),
          );
          answer(`junit:   ${opts.junit}`);
        }
        if (opts.json)
          printJson({
            valid: r.valid,
            incomplete: r.incomplete,
            runDir: outcome.dir.path,
            checkers: r.checkers.map((x) => ({
              workload: x.workload,
              checker: x.checker,
              valid: x.result.valid,
              reason: x.result.reason,
            })),
          });
        process.exitCode = r.incomplete && r.valid === true ? ExitCode.Unknown : exitCodeFor(r.valid);
      } finally {
        offInterrupts();
      }
    });
}

function colourVerdict(v: true | false | "unknown"): string {
  const w = verdictWord(v);
  return v === true ? c().green(w) : v === false ? c().red(w) : c().yellow(w);
}
