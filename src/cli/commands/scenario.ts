import { Command } from "commander";
import { interruptibleSequence } from "../../compare/sequence.js";
import type { DbName } from "../../core/cluster.js";
import { ExitCode } from "../../core/exit.js";
import { answerer, c, printJson, say } from "../../core/output.js";
import { assertWritable } from "../../core/outputPaths.js";
import { summaryLines } from "../../runner/checkRun.js";
import { addRunOptions } from "../../runner/plan.js";
import { evaluationLines } from "../../scenario/expectation.js";
import { findScenario, loadScenarios } from "../../scenario/loader.js";
import { missingFaults, scenarioPlan } from "../../scenario/options.js";
import { runScenario } from "../../scenario/run.js";
import {
  existingObstacles,
  expectationText,
  type PlanValue,
  planOptionShapes,
  type Scenario,
} from "../../scenario/scenario.js";

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const DIR_HELP = "also read scenarios from this directory (repeatable; ./scenarios is always read)";

function load(dirs: string[] | undefined): Scenario[] {
  return loadScenarios({ dirs: dirs ?? [] });
}

/** `--flag value` as a person would type it, for show. */
export function planAsFlags(plan: Record<string, PlanValue>): string {
  const shapes = planOptionShapes();
  const quote = (v: string) => (/^[\w.,:@/=-]+$/.test(v) ? v : JSON.stringify(v));
  return Object.entries(plan)
    .map(([k, v]) => {
      const flag = shapes.get(k)?.flag ?? `--${k}`;
      if (v === true) return flag;
      if (Array.isArray(v)) return v.map((x) => `${flag} ${quote(x)}`).join(" ");
      return `${flag} ${quote(String(v))}`;
    })
    .join(" ");
}

/** Options the person typed on the command line, as scenario overrides (defaults do not override the scenario). */
export function cliOverrides(cmd: Command): Record<string, PlanValue> {
  const out: Record<string, PlanValue> = {};
  const opts = cmd.opts() as Record<string, unknown>;
  for (const key of [...planOptionShapes().keys(), "keep"]) {
    if (key === "db" || cmd.getOptionValueSource(key) !== "cli") continue;
    const v = opts[key];
    if (typeof v === "string" || typeof v === "boolean" || Array.isArray(v)) out[key] = v as PlanValue;
  }
  return out;
}

function listCommand(): Command {
  return new Command("list")
    .description("name, question and expected outcome of every scenario")
    .option("--dir <dir>", DIR_HELP, collect)
    .option("--json", "print the catalogue as JSON on stdout")
    .action((o: { dir?: string[]; json?: boolean }) => {
      const all = load(o.dir);
      if (o.json) {
        printJson(
          all.map((s) => ({
            name: s.name,
            question: s.question,
            engines: s.engines,
            expected: expectationText(s),
            file: s.file,
            needsFaults: missingFaults(s),
            existing: s.existing,
          })),
        );
        return;
      }
      const answer = answerer(false);
      for (const s of all) {
        const missing = missingFaults(s);
        answer(
          `${c().bold(s.name)}  ${c().dim(`[${s.engines.join(", ")}]`)}${s.existing ? c().cyan("  [also on existing deployments]") : ""}${missing.length ? c().yellow(`  (needs the ${missing.join(", ")} fault)`) : ""}`,
        );
        answer(`  ${s.question}`);
        answer(`  expected: ${expectationText(s)}`);
      }
      say(
        c().dim(
          `\n${all.length} scenarios; details: splitbrain scenario show <name>; run one: splitbrain scenario run <name>`,
        ),
      );
    });
}

function showCommand(): Command {
  return new Command("show")
    .description("the full plan, expectation, reasoning and documentation of one scenario")
    .argument("<name>", "scenario name (see scenario list)")
    .option("--dir <dir>", DIR_HELP, collect)
    .option("--json", "print the scenario as JSON on stdout")
    .action((name: string, o: { dir?: string[]; json?: boolean }) => {
      const s = findScenario(load(o.dir), name);
      if (o.json) {
        printJson(s);
        return;
      }
      const answer = answerer(false);
      answer(`${c().bold(s.name)}  ${c().dim(s.file)}`);
      answer(`question:  ${s.question}`);
      answer(`engines:   ${s.engines.join(", ")}`);
      const obstacles = existingObstacles(s);
      answer(
        `existing:  ${s.existing ? `yes: scenario run ${s.name} --${s.plan.topology === "sentinel" || s.plan.topology === undefined ? "sentinel ... --master-name ..." : s.plan.topology === "cluster" ? "cluster ..." : "endpoint redis://..."}` : `no${obstacles.length ? ` (${obstacles.join("; ")})` : ' (its file does not declare "existing": true)'}`}`,
      );
      const missing = missingFaults(s);
      if (missing.length)
        answer(c().yellow(`needs:     the ${missing.join(", ")} fault, which this build does not have yet`));
      answer(`plan:      splitbrain run ${planAsFlags(s.plan)}`);
      if (!missing.length) {
        const p = scenarioPlan(s);
        answer(
          c().dim(
            `           (${p.cluster.topology}, ${p.cluster.replicas} replica(s); workloads ${p.workloads.join(", ")}; faults ${p.nemeses.join(", ") || "none"} every ${p.nemesisIntervalMs / 1000}s; ${p.timeLimitMs / 1000}s of workload)`,
          ),
        );
      }
      for (const st of s.steps) answer(`step:      at ${st.atS}s on ${st.target}: ${st.command.join(" ")}`);
      answer(`expected:  ${expectationText(s)}`);
      for (const [k, o2] of Object.entries(s.observe)) {
        answer(
          `observes:  ${k} = ${o2.kind === "log" ? `lines of ${o2.file} matching /${o2.pattern}/${o2.nodes ? ` on ${o2.nodes.join(",")}` : ""}` : `INFO ${o2.field} of ${o2.node}`} (${o2.label})`,
        );
      }
      answer(`\nwhy:\n${wrap(s.reasoning)}`);
      if (s.measured) answer(`\nmeasured here:\n${wrap(s.measured)}`);
      answer(`\ndocumentation:`);
      for (const d of s.docs) answer(`  - ${d.title}: ${d.url}`);
      say(c().dim(`\nrun it: splitbrain scenario run ${s.name}`));
    });
}

function wrap(text: string, width = 100): string {
  const out: string[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    let line = " ";
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line.length + word.length + 1 > width) {
        out.push(line);
        line = " ";
      }
      line += " " + word;
    }
    out.push(line, "");
  }
  return out.join("\n").trimEnd();
}

function runSubcommand(): Command {
  const cmd = new Command("run").description("run one scenario and say whether its outcome matched the expectation");
  addRunOptions(cmd);
  return cmd
    .argument("<name>", "scenario name (see scenario list)")
    .option("--dir <dir>", DIR_HELP, collect)
    .option("--json", "print the scenario outcome as JSON on stdout")
    .addHelpText(
      "after",
      "\nAny run option overrides the scenario's own (e.g. --time-limit 10, --db valkey where the scenario applies).\n" +
        "A scenario marked [also on existing deployments] in `scenario list` runs on one you name: --endpoint, --sentinel\n" +
        "or --cluster, of the shape the scenario is about (settings it sets need --allow-config).\n" +
        "Exit codes (scenario run): 0 the outcome matched the expectation, 1 it differed, 2 undecided (e.g. a final\n" +
        "read failed), 3 usage or environment error. An expected loss that happens exits 0.\n" +
        "Example:\n  $ splitbrain scenario run split-brain-isolated-primary --time-limit 20",
    )
    .action(async (name: string, o: { dir?: string[]; json?: boolean; db?: string; results: string }) => {
      const s = findScenario(load(o.dir), name);
      const overrides = cliOverrides(cmd);
      // Validated before anything starts.
      scenarioPlan(s, { ...(o.db ? { db: o.db as DbName } : {}), overrides, results: o.results });
      assertWritable([{ flag: "--results", path: o.results, kind: "dir" }]);
      const { signal, dispose } = interruptibleSequence("scenario");
      try {
        const { outcome, record } = await runScenario(s, {
          ...(o.db ? { db: o.db as DbName } : {}),
          overrides,
          results: o.results,
          signal,
          command: process.argv.slice(2),
        });
        const answer = answerer(o.json);
        answer("");
        answer(`${c().bold(`scenario ${s.name}:`)} ${colourOutcome(record.outcome)}`);
        for (const line of evaluationLines(record)) answer(`  ${line}`);
        for (const line of summaryLines(outcome.results)) answer(c().dim(`  ${line}`));
        answer(`results: ${outcome.dir.path}`);
        if (outcome.reportPath) answer(`report:  ${outcome.reportPath}`);
        if (o.json) printJson({ ...record, runDir: outcome.dir.path });
        process.exitCode =
          record.outcome === "matched"
            ? ExitCode.Valid
            : record.outcome === "differs"
              ? ExitCode.Anomalies
              : ExitCode.Unknown;
      } finally {
        dispose();
      }
    });
}

export function colourOutcome(o: "matched" | "differs" | "undecided" | string): string {
  if (o === "matched") return c().green("outcome matched the expectation");
  if (o === "differs") return c().red("outcome DIFFERS from the expectation");
  return c().yellow(`outcome ${o}`);
}

export function scenarioCommand(): Command {
  const cmd = new Command("scenario")
    .description("the catalogue of named scenarios (ways Redis loses data): list, show, run")
    .addHelpText(
      "after",
      "\nExamples:\n  $ splitbrain scenario list\n  $ splitbrain scenario show split-brain-isolated-primary\n  $ splitbrain scenario run sentinel-failover-kill --time-limit 20",
    );
  for (const sub of [listCommand(), showCommand(), runSubcommand()]) cmd.addCommand(sub.exitOverride());
  return cmd;
}
