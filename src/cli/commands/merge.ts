import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { sequenceExitCode } from "../../compare/session.js";
import { answerer } from "../../core/output.js";
import { trendLines } from "../../scenario/baseline.js";
import { mergeShards } from "../../scenario/merge.js";
import { suiteCounts, suiteExitCode, suiteTable } from "../../scenario/suite.js";
import { readSuiteJson } from "../../scenario/suiteFiles.js";

/** results/merged-<time>, or -2, -3... when a merge already wrote one that second. */
function defaultOut(now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  let dir = resolve("results", `merged-${ts}`);
  for (let i = 2; existsSync(dir); i++) dir = resolve("results", `merged-${ts}-${i}`);
  return dir;
}

export function mergeCommand(): Command {
  return new Command("merge")
    .description("join the shard directories of a suite, audit or compare run with --shard k/n into one result")
    .argument("<dir...>", "the directories the shards wrote (each holds shard.json)")
    .option("--out <dir>", "where the merged result goes (default: results/merged-<time>)")
    .option(
      "--baseline <dir-or-json>",
      "for a suite: compare with an earlier suite (its directory or suite.json); a changed outcome fails",
    )
    .option("--measure", "audit/compare: exit 0 once every run completed, even if some found anomalies")
    .addHelpText(
      "after",
      "\nThe shards must be the n parts of one plan: the same command and splitbrain version, every shard 1..n once,\n" +
        "every run in exactly one shard; anything else is refused, naming the differing field or the missing shards.\n" +
        "The run directories are copied into --out, so the merged suite.html / audit.html / compare.html links work\n" +
        "wherever the directory is moved (e.g. a CI artifact). Statistics over runs are computed over all shards.\n" +
        "Exit codes: as the merged command's (suite: 0 matched, 1 differs or changed since --baseline, 2 failed or\n" +
        "undecided; audit/compare: 0 every run valid, 1 anomalies, 2 a run failed), 3 the shards do not fit together.\n" +
        "Example:\n  $ splitbrain merge shard-1/suite-* shard-2/suite-* --out nightly --baseline last-night/suite.json",
    )
    .action(async (dirs: string[], o: { out?: string; baseline?: string; measure?: boolean }) => {
      const baseline = o.baseline !== undefined ? readSuiteJson(o.baseline, "--baseline") : undefined;
      const out = resolve(o.out ?? defaultOut());
      const result = mergeShards(dirs, out, {
        command: ["splitbrain", ...process.argv.slice(2)].join(" "),
        ...(baseline ? { baseline } : {}),
      });
      const answer = answerer(false);
      if (result.kind === "suite") {
        const rows = result.rows!;
        const counts = suiteCounts(rows);
        answer(suiteTable(rows));
        answer("");
        answer(
          `merged ${dirs.length} shard(s), ${rows.length} runs: ${counts.matched} matched, ${counts.differs} differ, ${counts.undecided} undecided, ${counts.error} failed, ${counts.skipped} skipped`,
        );
        if (result.trend) {
          answer("");
          for (const line of trendLines(result.trend)) answer(line);
        }
        answer(`summary: ${join(out, "suite.html")}`);
        answer(`junit:   ${join(out, "junit.xml")}`);
        process.exitCode = suiteExitCode(rows, result.trend);
      } else {
        answer(`merged ${dirs.length} shard(s), ${result.runs} runs`);
        answer(`${result.kind}: ${join(out, `${result.kind}.html`)}`);
        process.exitCode = sequenceExitCode(result.sequenced!, !o.measure);
      }
    });
}
