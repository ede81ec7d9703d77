import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { interruptibleSequence } from "../../compare/sequence.js";
import { UsageError } from "../../core/exit.js";
import { answerer, c, printJson, say } from "../../core/output.js";
import { assertWritable, makeDirs } from "../../core/outputPaths.js";
import { packageVersion } from "../../core/paths.js";
import { parseShard, SHARD_FILE, type ShardSpec, selectShard, shardManifest } from "../../core/shard.js";
import { engineOf } from "../../db/engines.js";
import { requireDocker } from "../../docker/engine.js";
import { ensureNodeImage } from "../../image/images.js";
import { writeJson } from "../../rundir/paths.js";
import { Progress } from "../../runner/progress.js";
import { compareWithBaseline, type Trend, trendLines } from "../../scenario/baseline.js";
import { evaluationLines } from "../../scenario/expectation.js";
import { findScenario, loadScenarios } from "../../scenario/loader.js";
import { missingFaults, scenarioPlan } from "../../scenario/options.js";
import { runScenario } from "../../scenario/run.js";
import { expectationText, type Scenario } from "../../scenario/scenario.js";
import { type SuiteRow, suiteCounts, suiteExitCode, suiteRunId, suiteTable } from "../../scenario/suite.js";
import { readSuiteJson, rowFigures, writeSuiteOutputs } from "../../scenario/suiteFiles.js";
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
  shard?: string;
  baseline?: string;
}

/** One run of the suite: a scenario and a repeat. The id is what shards split and merges check. */
interface SuiteRun {
  scenario: Scenario;
  repeat: number;
  id: string;
}

/** What makes shards parts of one suite: each scenario's definition (so an edited file is another plan). */
function suiteIdentity(chosen: readonly Scenario[], repeat: number): Record<string, unknown> {
  const definitions: Record<string, string> = {};
  for (const s of chosen) {
    const { file: _f, ...def } = s;
    definitions[s.name] = createHash("sha256").update(JSON.stringify(def)).digest("hex").slice(0, 12);
  }
  return { kind: "suite", repeat, definitions };
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
    .option(
      "--shard <k/n>",
      "run only shard k of n of the suite's runs (scenario x repeat), for n machines; join them with splitbrain merge",
    )
    .option(
      "--baseline <dir-or-json>",
      "compare with an earlier suite (its directory or suite.json): changed outcomes fail, moved figures are shown",
    )
    .addHelpText(
      "after",
      "\nEach scenario runs with its own plan, one after the other; a scenario whose fault or node image is missing\n" +
        "here is skipped and says so. Writes <results>/suite-<time>/{suite.json,suite.html,junit.xml} and one run\n" +
        "directory per scenario run. The whole catalogue (20 scenarios) takes about 18 minutes on 2 cores (npm run suite).\n" +
        "With --shard k/n the runs (scenario x repeat, sorted by name) are dealt round-robin: shard k runs those at\n" +
        "index k-1 mod n, and writes shard.json beside suite.json; `splitbrain merge` joins the n directories.\n" +
        "Exit codes (suite): 0 every outcome matched, 1 an outcome differed from its expectation (or changed since\n" +
        "--baseline), 2 a run failed or was undecided (and none differed), 3 usage or environment error.\n" +
        "Examples:\n  $ splitbrain suite\n  $ splitbrain suite --only split-brain-isolated-primary,rdb-snapshot-crash --repeat 3\n" +
        "  $ splitbrain suite --shard 2/4 --results out    (on the second of four machines)\n" +
        "  $ splitbrain suite --baseline last-night/suite.json",
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
      const shard: ShardSpec | undefined = o.shard !== undefined ? parseShard(o.shard) : undefined;
      const baseline = o.baseline !== undefined ? readSuiteJson(o.baseline, "--baseline") : undefined;
      const allRuns: SuiteRun[] = [...new Map(chosen.map((s) => [s.name, s])).values()].flatMap((s) =>
        Array.from({ length: repeat }, (_, i) => ({ scenario: s, repeat: i + 1, id: suiteRunId(s.name, i + 1) })),
      );
      // Unsharded, the scenarios run in the order given; a shard runs its part in split order.
      const mine = shard ? selectShard(allRuns, (r) => r.id, shard) : allRuns;
      assertWritable([{ flag: "--results", path: o.results, kind: "dir" }]);
      // Without an engine every scenario would be skipped as "no node image"; say what is really wrong instead.
      await requireDocker();
      const outDir = suiteDir(o.results);
      const startedAt = new Date();
      const rows: SuiteRow[] = [];
      const progress = new Progress();
      const command = ["splitbrain", ...process.argv.slice(2)].join(" ");
      const manifest = shard
        ? shardManifest({
            kind: "suite",
            identity: suiteIdentity(chosen, repeat),
            version: packageVersion(),
            shard,
            allRuns: allRuns.map((r) => r.id),
          })
        : undefined;
      if (manifest) {
        writeJson(join(outDir, SHARD_FILE), manifest);
        say(`suite: shard ${shard!.k}/${shard!.n} of plan ${manifest.plan}: ${mine.length} of ${allRuns.length} runs`);
      }
      let trend: Trend | undefined;
      const write = () => {
        const seconds = (Date.now() - startedAt.getTime()) / 1000;
        trend = baseline
          ? compareWithBaseline(rows, baseline.suite.rows, {
              source: baseline.file,
              startedAt: baseline.suite.startedAt,
            })
          : undefined;
        writeSuiteOutputs(
          outDir,
          rows,
          {
            startedAt: startedAt.toISOString(),
            seconds,
            command,
            ...(manifest ? { shard: `shard ${shard!.k}/${shard!.n} of plan ${manifest.plan}` } : {}),
          },
          trend,
        );
      };
      const { signal, dispose } = interruptibleSequence("suite");
      const total = mine.length;
      try {
        let n = 0;
        for (const { scenario: s, repeat: r } of mine) {
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
            progress.event(c().yellow(`=== [${n}/${total}] ${s.name}: skipped (${why})`));
            write();
            continue;
          }
          progress.event(c().bold(`\n=== [${n}/${total}] ${s.name}${repeat > 1 ? ` (repeat ${r})` : ""} ===`));
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
            const figures = await rowFigures(outcome.dir.path);
            if (figures) rows[rows.length - 1]!.figures = figures;
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
      if (trend) {
        answer("");
        for (const line of trendLines(trend)) answer(line);
      }
      answer(`summary: ${join(outDir, "suite.html")}`);
      answer(`junit:   ${join(outDir, "junit.xml")}`);
      if (manifest)
        answer(`shard:   ${join(outDir, SHARD_FILE)} (${shard!.k}/${shard!.n}; join with splitbrain merge)`);
      if (o.json) printJson(rows);
      process.exitCode = suiteExitCode(rows, trend);
    });
}
