import { Command } from "commander";
import { conclude, conclusionsText } from "../../compare/conclusions.js";
import { optionSpecs } from "../../compare/options.js";
import { type CompareContext, writeCompareOutputs } from "../../compare/outputs.js";
import {
  interruptibleSequence,
  printDryRuns,
  requireImages,
  runSequence,
  type SequencedRun,
} from "../../compare/sequence.js";
import { createOutputDir, planRuns, sequenceExitCode, withFixedSeed } from "../../compare/session.js";
import { commonContext, SHARD_HELP, shardOption, startShard } from "../../compare/shard.js";
import { compareTable, renderText, type Tone } from "../../compare/table.js";
import { crossTargets, parseDbList, parseSettings, type Target } from "../../compare/targets.js";
import { UsageError } from "../../core/exit.js";
import { answerer, c, say } from "../../core/output.js";
import { assertWritable } from "../../core/outputPaths.js";
import { addRunOptions, type RunOptions } from "../../runner/plan.js";
import { SERVER_SIDE_OPTIONS } from "../../target/existingConfig.js";
import { splitName } from "../../target/existingOptions.js";

interface CompareOptions extends RunOptions {
  against?: string[];
  measure?: boolean;
  repeat: string;
  shard?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function compareCommand(): Command {
  const cmd = new Command("compare").description(
    "run the same plan against several databases or settings and compare them side by side",
  );
  addRunOptions(cmd);
  // compare's --db is a list (redis,valkey or redis@7.0,redis@8.0), so it cannot keep run's one-engine choices.
  const db = cmd.options.find((o) => o.long === "--db")!;
  db.argChoices = undefined;
  db.parseArg = undefined;
  db.description =
    "engines to compare, comma-separated, each optionally @version: redis,dragonfly or redis@7.0,redis@8.0,valkey@9.1";
  // Each existing deployment is a target of its own, so these three repeat: --endpoint a=redis://... --endpoint b=...
  for (const o of cmd.options.filter((x) => DEPLOYMENT_FLAGS.includes(x.long ?? ""))) {
    o.parseArg = collect as never;
    o.description = `${o.description}; repeatable, each [name=]..., one target per deployment (the name labels it and is SPLITBRAIN_TARGET for hooks)`;
  }
  return cmd
    .option(
      "--against <settings>",
      'a target as settings over the other options, e.g. "appendfsync=always" or "wait=2,min-replicas-to-write=1" (repeatable)',
      collect,
    )
    .option(
      "--repeat <n>",
      "runs per target; repeat r of every target uses seed + r - 1, so all targets face the same fault schedules",
      "1",
    )
    .option("--shard <k/n>", SHARD_HELP)
    .option(
      "--measure",
      "exit 0 when every run completed, even if some found anomalies (default: exit 1 on anomalies, as every splitbrain command)",
    )
    .addHelpText(
      "after",
      "\nTargets: every --db entry paired with every --against (one of them may be left out). Settings use the run\n" +
        "option names without dashes; wait=0 means no WAIT. Every target runs the same seed, workloads, faults and\n" +
        "durations, one after the other; the runs and compare.json / compare.html go to <results>/compare-<time>/.\n" +
        "Examples:\n" +
        '  $ splitbrain compare --against "appendfsync=always" --against "appendfsync=everysec" --nemesis kill\n' +
        '  $ splitbrain compare --workload set --nemesis partition --partition isolate-primary --against "wait=0" --against "wait=2,min-replicas-to-write=1"\n' +
        "  $ splitbrain compare --db redis@7.0,redis@8.0,valkey@9.1 --time-limit 30\n" +
        "  $ splitbrain compare --endpoint eu=redis://10.0.0.5:6379 --endpoint us=redis://10.1.0.5:6379 --repeat 3 \\\n" +
        "      --nemesis hook --hook-start 'kubectl --context $SPLITBRAIN_TARGET delete pod redis-0' --hook-stop '...'\n" +
        "Exit codes (compare): 0 every run valid, 1 a run found anomalies (with --measure: 0 once every run completed),\n" +
        "2 a run failed, was cut short or skipped (Ctrl-C ends the sequence with a partial table), 3 usage or environment error.",
    )
    .action(async (raw: CompareOptions) => {
      const specs = optionSpecs(cmd);
      const dbs = raw.db !== undefined ? parseDbList(raw.db) : [];
      if (raw.version !== undefined && dbs.some((t) => t.overrides.version !== undefined)) {
        throw new UsageError(
          "--version and engine@version in --db both pick a version",
          "write the versions in --db only, e.g. --db redis@7.0,redis@8.0",
        );
      }
      const againsts = (raw.against ?? []).map((a) => parseSettings(a, specs));
      const deployments = deploymentTargets(raw);
      if (deployments.length && dbs.length)
        throw new UsageError(
          "--db picks engines for clusters splitbrain starts; an existing deployment runs the engine it runs",
          "compare deployments (--endpoint/--sentinel/--cluster, each repeatable) or engines (--db), not both",
        );
      if (deployments.length && !raw.allowConfig) refuseServerSide(againsts);
      const targets: Target[] = crossTargets(deployments.length ? deployments : dbs, againsts);
      if (targets.length < 2) {
        throw new UsageError(
          "compare needs at least two targets",
          'give --db a list (--db redis,valkey) or --against twice (--against "appendfsync=always" --against "appendfsync=everysec")',
        );
      }
      const repeat = Number(raw.repeat);
      if (!Number.isInteger(repeat) || repeat < 1)
        throw new UsageError(`--repeat takes a whole number >= 1 (got "${raw.repeat}")`);
      const {
        against: _a,
        measure,
        db: _db,
        repeat: _r,
        shard: _s,
        endpoint: _e,
        sentinel: _se,
        cluster: _c,
        ...rest
      } = raw;
      const base = withFixedSeed(rest as RunOptions);
      const shard = shardOption(raw.shard, raw.seed);
      // Validate every target (options and node images) before the first container starts.
      const check = planRuns(base, targets, base.results);
      // --dry-run: what each target's runs would do, said without connecting to anything.
      if (printDryRuns(check)) return;
      assertWritable([{ flag: "--results", path: base.results, kind: "dir" }]);
      await requireImages(check);
      const outDir = createOutputDir(base.results, "compare");
      const allRuns = planRuns(base, targets, outDir, repeat);
      const labels = targets.map((t) => t.label);
      const ctx: CompareContext = {
        kind: "compare",
        targets,
        ...commonContext(base, repeat, allRuns),
      };
      const runs = startShard(outDir, "compare", ctx, allRuns, shard);
      say(
        `compare: ${targets.length} targets x ${repeat} repeat(s), seed${repeat > 1 ? `s ${base.seed}..${Number(base.seed) + repeat - 1}` : ` ${base.seed}`}, one after the other${shard ? `, shard ${shard.k}/${shard.n}: ${runs.length} of ${allRuns.length} runs` : ""}; output ${outDir}`,
      );

      const interrupt = interruptibleSequence("comparison");
      const write = (done: readonly SequencedRun[]) => {
        const all = [
          ...done,
          ...runs
            .slice(done.length)
            .map((r): SequencedRun => ({ label: r.label, status: "skipped", error: "not run yet" })),
        ];
        writeCompareOutputs(outDir, ctx, all);
      };
      let done: SequencedRun[];
      try {
        write([]);
        done = await runSequence(runs, { signal: interrupt.signal, command: process.argv.slice(2), afterEach: write });
      } finally {
        interrupt.dispose();
      }
      write(done);
      const planOf = (label: string) => ctx.plans[label];
      const answer = answerer(false);
      answer("");
      if (repeat === 1) answer(renderText(compareTable(done), paint) + "\n");
      answer(conclusionsText(conclude(labels, done, planOf, "pairs"), paint));
      answer(`\ncomparison: ${outDir}/compare.html`);
      process.exitCode = sequenceExitCode(done, !measure);
    });
}

const DEPLOYMENT_FLAGS = ["--endpoint", "--sentinel", "--cluster"];

/**
 * One target per existing deployment given: its label is the name before `=` or, without one, its address (never
 * a password). The name also reaches the deployment's hooks as SPLITBRAIN_TARGET, so one --hook-start can aim at
 * each deployment's own pod or container. The other two kinds' options are cleared, so each run names one.
 */
export function deploymentTargets(raw: Pick<CompareOptions, "endpoint" | "sentinel" | "cluster">): Target[] {
  const out: Target[] = [];
  const lists: Array<[attr: "endpoint" | "sentinel" | "cluster", values: string[]]> = [
    ["endpoint", asList(raw.endpoint)],
    ["sentinel", asList(raw.sentinel)],
    ["cluster", asList(raw.cluster)],
  ];
  for (const [attr, values] of lists) {
    for (const value of values) {
      const { name, rest } = splitName(value);
      const label =
        name ??
        rest
          .replace(/^rediss?:\/\/([^@/]*@)?/, "")
          .replace(/\/.*$/, "")
          .replace(/[^A-Za-z0-9_.:-]/g, "_");
      const overrides: Target["overrides"] = { endpoint: undefined, sentinel: undefined, cluster: undefined };
      overrides[attr] = `${label}=${rest}`;
      if (attr !== "sentinel") {
        overrides.masterName = undefined;
        overrides.sentinelUsername = undefined;
        overrides.sentinelPassword = undefined;
        overrides.sentinelTls = undefined;
      }
      out.push({ label, overrides });
    }
  }
  const labels = out.map((t) => t.label);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup !== undefined)
    throw new UsageError(
      `two deployments are both called "${dup}"`,
      "name each: --endpoint a=redis://... --endpoint b=...",
    );
  return out;
}

function asList(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [String(v)];
}

/** A setting of the server differs between targets only by CONFIG SET on the user's deployments: their word first. */
function refuseServerSide(againsts: readonly Target[]): void {
  const names = [
    ...new Set(
      againsts
        .flatMap((t) => t.label.split(",").map((p) => p.split("=")[0]!.trim()))
        .filter((n) => SERVER_SIDE_OPTIONS[n] !== undefined),
    ),
  ];
  if (names.length)
    throw new UsageError(
      `--against ${names.join(", ")}: ${names.length === 1 ? "a setting" : "settings"} of the server, which a comparison of existing deployments can only vary by CONFIG SET`,
      "give --allow-config to let each run set them and restore the originals after it, or compare client-side settings only (wait, waitaof)",
    );
}

export function paint(tone: Tone, text: string): string {
  return tone === "good" ? c().green(text) : tone === "bad" ? c().red(text) : tone === "warn" ? c().yellow(text) : text;
}
