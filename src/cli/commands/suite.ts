import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { interruptibleSequence } from "../../compare/sequence.js";
import { UsageError } from "../../core/exit.js";
import { answerer, c, printJson } from "../../core/output.js";
import { assertWritable, makeDirs } from "../../core/outputPaths.js";
import { engineOf } from "../../db/engines.js";
import { requireDocker } from "../../docker/engine.js";
import { ensureNodeImage } from "../../image/images.js";
import { Progress } from "../../runner/progress.js";
import { evaluationLines } from "../../scenario/expectation.js";
import { findScenario, loadScenarios } from "../../scenario/loader.js";
import { missingFaults, scenarioPlan } from "../../scenario/options.js";
import { runScenario } from "../../scenario/run.js";
import { expectationText, type Scenario } from "../../scenario/scenario.js";
import { type SuiteRow, suiteCounts, suiteExitCode, suiteHtml, suiteJunit, suiteTable } from "../../scenario/suite.js";
import { colourOutcome } from "./scenario.js";

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

interface SuiteOptions {
  only?: string;
  repeat: string;
  dir?: string[];
  results: string;
  json?: boolean;
}

function suiteDir(resultsRoot: string, now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  let dir = resolve(resultsRoot, `suite-${ts}`);
  for (let i = 2; existsSync(dir); i++) dir = resolve(resultsRoot, `suite-${ts}-${i}`);
  makeDirs(dir);
  return dir;
}

/** Why a scenario cannot run here (a fault this build lacks, a node image not built), or undefined if it can. */
async function cannotRun(s: Scenario): Promise<string | undefined> {
  const missing = missingFaults(s);
  if (missing.length) return `needs the ${missing.join(", ")} fault, not in this build yet`;
  try {
    await ensureNodeImage({ image: engineOf(s.engines[0]!).image });
  } catch (err) {
    if (err instanceof UsageError) return `needs the ${s.engines[0]} node image: ${err.hint ?? err.message}`;
    throw err;
  }
  return undefined;
}

export function suiteCommand(): Command {
  return new Command("suite")
    .description("run the scenario catalogue and flag every scenario whose outcome differs from its expectation")
    .option("--only <names>", "run only these scenarios, comma-separated")
    .option("--repeat <n>", "run each scenario n times", "1")
    .option("--dir <dir>", "also read scenarios from this directory (repeatable)", collect)
    .option("--results <dir>", "where the suite directory (runs, suite.html, junit.xml) goes", "results")
    .option("--json", "print the summary rows as JSON on stdout")
    .addHelpText(
      "after",
      "\nEach scenario runs with its own plan, one after the other; a scenario whose fault or node image is missing\n" +
        "here is skipped and says so. Writes <results>/suite-<time>/{suite.json,suite.html,junit.xml} and one run\n" +
        "directory per scenario run. The whole catalogue (20 scenarios) takes about 18 minutes on 2 cores (npm run suite).\n" +
        "Exit codes (suite): 0 every outcome matched, 1 an outcome differed from its expectation, 2 a run failed or\n" +
        "was undecided (and none differed), 3 usage or environment error.\n" +
        "Examples:\n  $ splitbrain suite\n  $ splitbrain suite --only split-brain-isolated-primary,rdb-snapshot-crash --repeat 3",
    )
    .action(async (o: SuiteOptions) => {
      const repeat = Number(o.repeat);
      if (!Number.isInteger(repeat) || repeat < 1)
        throw new UsageError(`--repeat takes a whole number >= 1 (got "${o.repeat}")`);
      const all = loadScenarios({ dirs: o.dir ?? [] });
      const chosen = o.only
        ? o.only
            .split(",")
            .map((n) => n.trim())
            .filter(Boolean)
            .map((n) => findScenario(all, n))
        : all;
      if (chosen.length === 0) throw new UsageError("no scenarios to run", "see splitbrain scenario list");
      assertWritable([{ flag: "--results", path: o.results, kind: "dir" }]);
      // Without an engine every scenario would be skipped as "no node image"; say what is really wrong instead.
      await requireDocker();
      const outDir = suiteDir(o.results);
      const startedAt = new Date();
      const rows: SuiteRow[] = [];
      const progress = new Progress();
      const command = ["splitbrain", ...process.argv.slice(2)].join(" ");
      const write = () => {
        const seconds = (Date.now() - startedAt.getTime()) / 1000;
        writeFileSync(
          join(outDir, "suite.json"),
          JSON.stringify({ startedAt: startedAt.toISOString(), seconds, command, rows }, null, 2) + "\n",
        );
        writeFileSync(
          join(outDir, "suite.html"),
          suiteHtml(rows, { startedAt: startedAt.toISOString(), seconds, command }),
        );
        writeFileSync(join(outDir, "junit.xml"), suiteJunit(rows, seconds));
      };
      const { signal, dispose } = interruptibleSequence("suite");
      try {
        let n = 0;
        for (const s of chosen) {
          for (let r = 1; r <= repeat; r++) {
            n++;
            const base = {
              scenario: s.name,
              question: s.question,
              expected: expectationText(s),
              repeat: r,
              conditions: [],
            };
            if (signal.aborted) {
              rows.push({ ...base, status: "skipped", note: "interrupted before it started" });
              continue;
            }
            const why = await cannotRun(s);
            if (why) {
              rows.push({ ...base, status: "skipped", note: why });
              progress.event(c().yellow(`=== [${n}/${chosen.length * repeat}] ${s.name}: skipped (${why})`));
              write();
              continue;
            }
            progress.event(
              c().bold(`\n=== [${n}/${chosen.length * repeat}] ${s.name}${repeat > 1 ? ` (repeat ${r})` : ""} ===`),
            );
            const t0 = Date.now();
            try {
              scenarioPlan(s);
              const { outcome, record } = await runScenario(s, {
                results: outDir,
                progress,
                signal,
                command: process.argv.slice(2),
              });
              rows.push({
                ...base,
                status: record.outcome,
                conditions: record.conditions,
                runDir: outcome.dir.path,
                seconds: (Date.now() - t0) / 1000,
              });
              progress.event(`=== ${s.name}: ${colourOutcome(record.outcome)}`);
              for (const line of evaluationLines(record)) progress.event(`    ${line}`);
            } catch (err) {
              const message = (err as Error).message.split("\n")[0]!;
              rows.push({
                ...base,
                status: "error",
                note: signal.aborted ? "interrupted" : message,
                seconds: (Date.now() - t0) / 1000,
              });
              progress.event(c().red(`=== ${s.name} failed: ${message}`));
            }
            write();
          }
        }
      } finally {
        dispose();
        write();
      }
      const counts = suiteCounts(rows);
      const answer = answerer(o.json);
      answer("");
      answer(suiteTable(rows));
      answer("");
      answer(
        `${counts.matched} matched, ${counts.differs} differ, ${counts.undecided} undecided, ${counts.error} failed, ${counts.skipped} skipped in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s`,
      );
      answer(`summary: ${join(outDir, "suite.html")}`);
      answer(`junit:   ${join(outDir, "junit.xml")}`);
      if (o.json) printJson(rows);
      process.exitCode = suiteExitCode(rows);
    });
}
