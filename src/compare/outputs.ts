import type { RunPlan } from "../runner/plan.js";
import { auditCells, auditConclusion, auditTable } from "./audit.js";
import { type Conclusions, conclude, conclusionsHtml } from "./conclusions.js";
import { versionLine } from "./explain.js";
import { renderPage } from "./html.js";
import type { SequencedRun } from "./sequence.js";
import { planSummary, runLink, writeOutputs } from "./session.js";
import { compareTable, type Table, verdictFigure, verdictFigureNames } from "./table.js";
import type { Target } from "./targets.js";

/**
 * compare.json/.html and audit.json/.html from the runs done so far and what the command was asked, written the
 * same way by the command (after every run, and by each shard for its part) and by `merge` (for all the shards'
 * runs). The context is plain data, so a shard keeps it in shard.json and a merge renders from it alone.
 */

export interface CommonContext {
  repeat: number;
  seed: number;
  /** --partition as given, if it was. */
  partition?: unknown;
  /** The first repeat's plan of each target or cell, for the "held the same" table and the explanations. */
  plans: Record<string, RunPlan>;
  /** Every run of the plan (all shards) in plan order, as ids `label#repeat`. */
  order: string[];
  /** "shard 1/2 of plan <hash>" on a shard's own page. */
  shardNote?: string;
}

export interface CompareContext extends CommonContext {
  kind: "compare";
  targets: Target[];
}

export interface AuditContext extends CommonContext {
  kind: "audit";
  matrix: string[];
  question?: string;
  labels: string[];
}

/** A run's id in a compare or audit plan; zero-padded so ids sort in repeat order. */
export function sequenceRunId(label: string, repeat: number | undefined): string {
  return `${label}#${String(repeat ?? 1).padStart(3, "0")}`;
}

const COMPARE_NOTES = [
  'Lost acknowledged writes = set elements lost + queue jobs lost + counter shortfall; indeterminate (info) writes are never counted. A "+" marks a lower bound (a checker could not decide).',
  "Availability = ok / (ok + fail + info) over the workload's client ops; latency over ok ops; memory peak from Docker stats (about 1 s samples, page cache excluded).",
];

export function leadLines(runs: readonly SequencedRun[]): string[] {
  return runs.map((r) => {
    if (r.status !== "done" || !r.figures) return `${r.label}: ${r.status}${r.error ? ` (${r.error})` : ""}`;
    const f = r.figures;
    const lost =
      f.lostAcknowledged === null
        ? "no lost-write workload ran"
        : `${f.lostAcknowledged}${f.lostIsLowerBound ? "+" : ""} acknowledged write(s) lost`;
    // Each checker that merges a verdict over the run (its kind's verdictFigure) gets its yes/no/unknown here.
    const verdicts = verdictFigureNames()
      .map((name) => [name, verdictFigure(f, name)] as const)
      .filter(([, v]) => v !== null)
      .map(([name, v]) => `; ${name}: ${v === true ? "yes" : v === false ? "no" : "unknown"}`)
      .join("");
    return `${r.label}: ${lost}${verdicts}${f.incomplete ? ` (run incomplete: ${f.incomplete})` : ""}`;
  });
}

const planOfCtx = (ctx: CommonContext) => (label: string) => ctx.plans[label];

/** `all` holds every run of this page, those not run yet as skipped. */
export function writeCompareOutputs(outDir: string, ctx: CompareContext, all: readonly SequencedRun[]): Conclusions {
  const labels = ctx.targets.map((t) => t.label);
  const table = compareTable(all, (r) => runLink(outDir, r));
  const concl = conclude(labels, all, planOfCtx(ctx), "pairs");
  const first = ctx.plans[labels[0]!] ?? Object.values(ctx.plans)[0];
  const page = renderPage({
    ...conclusionsHtml(concl, all),
    title: `splitbrain compare: ${labels.join(" vs ")}`,
    lead: [
      ...(ctx.shardNote ? [ctx.shardNote] : []),
      `${versionLine(concl.targets)}`,
      ...concl.verdicts.slice(0, 3),
      ...leadLines(all),
    ],
    table,
    plan: first ? planSummary(first, ctx.partition) : [],
    notes: COMPARE_NOTES,
  });
  writeOutputs(
    outDir,
    "compare",
    {
      kind: "compare",
      seed: ctx.seed,
      repeat: ctx.repeat,
      targets: concl.targets.map((t) => ({
        ...t,
        overrides: ctx.targets.find((x) => x.label === t.label)?.overrides ?? {},
      })),
      differences: concl.differences,
      verdicts: concl.verdicts,
      why: concl.why,
      runs: all,
    },
    page,
  );
  return concl;
}

export interface AuditView {
  summary: ReturnType<typeof auditCells>;
  concl: Conclusions;
  table: Table;
  conclusion: string[];
}

export function auditView(ctx: AuditContext, done: readonly SequencedRun[]): AuditView {
  const summary = auditCells(ctx.labels, done);
  const concl = conclude(ctx.labels, done, planOfCtx(ctx), "baseline");
  return {
    summary,
    concl,
    table: auditTable(summary, ctx.repeat),
    conclusion: [...auditConclusion(summary, ctx.repeat), ...concl.verdicts],
  };
}

/** `planned` is how many runs this page is of (a shard's part, or the whole plan). */
export function writeAuditOutputs(
  outDir: string,
  ctx: AuditContext,
  done: readonly SequencedRun[],
  planned: number,
): AuditView {
  const view = auditView(ctx, done);
  const { summary, concl, table, conclusion } = view;
  const first = ctx.plans[ctx.labels[0]!] ?? Object.values(ctx.plans)[0];
  const page = renderPage({
    ...conclusionsHtml(concl, done),
    title: `splitbrain audit: ${ctx.matrix.join(" x ")}`,
    lead: [
      ...(ctx.shardNote ? [ctx.shardNote] : []),
      versionLine(concl.targets),
      ...conclusion,
      ...concl.why,
      done.length < planned ? `${done.length} of ${planned} runs so far` : `${planned} runs`,
    ],
    table: {
      ...table,
      rows: table.rows.map((row, i) => ({
        ...row,
        cells: [...row.cells, summary[i]!.runDirs.length ? "runs" : "-"],
        links: [...row.cells.map(() => undefined), firstRunLink(outDir, done, ctx.labels[i]!)],
      })),
      columns: [...table.columns, "runs"],
    },
    plan: first
      ? [
          ...planSummary(first, ctx.partition).filter(([k]) => k !== "seed"),
          ["seeds", `${ctx.seed}..${ctx.seed + ctx.repeat - 1}`],
          ["database", `${first.cluster.db}`],
        ]
      : [],
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
      seed: ctx.seed,
      repeat: ctx.repeat,
      matrix: ctx.matrix,
      ...(ctx.question ? { question: ctx.question } : {}),
      cells: summary,
      targets: concl.targets,
      differences: concl.differences,
      conclusion,
      why: concl.why,
      runs: done,
    },
    page,
  );
  return view;
}

/** The page links each cell to its first run's report (the others are listed in audit.json). */
function firstRunLink(outDir: string, done: readonly SequencedRun[], label: string): string | undefined {
  const run = done.find((r) => r.label === label && r.runDir);
  return run ? runLink(outDir, run) : undefined;
}
