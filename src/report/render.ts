import { NEMESES } from "../../nemeses/index.js";
import { checkerKind } from "../checker/kinds.js";
import { PAGE_ROWS } from "../checker/view.js";
import { figureLines } from "../metrics/describe.js";
import { type RunMetrics, runMetrics } from "../metrics/runMetrics.js";
import { type SummaryMetrics, summaryMetrics } from "../metrics/summary.js";
import { recordedFaults } from "../metrics/windows.js";
import { componentsOf, type Grudge } from "../nemesis/grudge.js";
import type { CheckerOutcome, TestRecord } from "../rundir/record.js";
import { genericEvidence } from "./anomalies.js";
import { type LossMark, latencyChart, throughputChart } from "./charts.js";
import { healWarning } from "./healWarning.js";
import { at, collapsed, count, esc, percent, table } from "./html.js";
import { type SentinelSwitch, sentinelSwitches, type WriterSegment, writerSegments } from "./primary.js";
import type { RunData } from "./runData.js";
import { setupSection } from "./setup.js";
import { REPORT_CSS } from "./style.js";
import { availability, buildTimeline, type FaultInterval, type FaultStyle, type Timeline } from "./timeline.js";
import { verdictText } from "./verdict.js";

/**
 * report.html from a run's data: one self-contained page (inline CSS and SVG, no script, no network), verdict
 * first. Pure: the caller loads the run directory and writes the file.
 */

/** How each fault of the run is drawn, from its own package (Jepsen's `perf`). */
export function faultStyles(test: TestRecord): FaultStyle[] {
  return test.plan.nemeses.flatMap((name) => {
    const pkg = NEMESES.get(name);
    if (!pkg) return [];
    return [{ name: pkg.name, label: pkg.perf.label, colour: pkg.perf.colour, start: pkg.fs.start, stop: pkg.fs.stop }];
  });
}

interface NodeRef {
  name: string;
  kind?: string;
  ip?: string;
  port?: number;
}

function clusterNodes(test: TestRecord): NodeRef[] {
  return ((test.cluster as { nodes?: NodeRef[] } | undefined)?.nodes ?? []).slice();
}

/** A fault in words, from what its start op returned: who was cut off, which nodes were hit. */
export function faultDescriber(test: TestRecord): (f: FaultInterval) => string {
  const names = clusterNodes(test).map((n) => n.name);
  return (f) => {
    const v = f.value as { grudge?: Grudge | null; nodes?: unknown } | undefined;
    if (v && typeof v === "object" && v.grudge && typeof v.grudge === "object") {
      const nodes = names.length ? names : [...new Set([...Object.keys(v.grudge), ...Object.values(v.grudge).flat()])];
      const groups = componentsOf(v.grudge, nodes);
      if (groups.length === 2 && groups[1]!.length === 1) return `the ${f.label} isolating ${groups[1]![0]}`;
      if (groups.length > 1) return `the ${f.label} ${groups.map((g) => `{${g.join(", ")}}`).join(" | ")}`;
      return `the ${f.label} (nodes stayed connected)`;
    }
    if (v && typeof v === "object" && Array.isArray(v.nodes) && v.nodes.length)
      return `the ${f.label} of ${v.nodes.map(String).join(", ")}`;
    return `the ${f.label}`;
  };
}

export interface RenderOptions {
  /** For tests: the latency chart's point budget. */
  pointBudget?: number;
}

export function renderReport(data: RunData, opts: RenderOptions = {}): string {
  const { test, history, results } = data;
  const t = buildTimeline(history, faultStyles(test));
  const describe = faultDescriber(test);
  const writers = writerSegments(t.ops, t.timed ? 250e6 : 50);
  const metrics: RunMetrics | undefined = results ? runMetrics(history, results, test) : undefined;
  const v = verdictText(results, t, writers, describe);
  const cls = v.valid === true ? "valid" : v.valid === false ? "invalid" : "unknown";
  const p = test.plan;
  const title = `${v.word}: ${p.cluster.db} ${p.cluster.topology}, ${p.workloads.join("+")}, ${p.nemeses.join("+") || "no faults"}`;

  const sections: string[] = [];
  sections.push(
    `<header class="verdict ${cls}"><div class="word">${esc(v.word)}</div><p class="headline">${esc(v.headline)}</p>` +
      `<ul>${v.reasons.map((r) => `<li>${esc(r)}`).join("")}</ul></header>` +
      healWarning(test),
  );
  const figures = results ? summaryMetrics(history, results, test) : undefined;
  if (figures) {
    const lines = figureLines({ summary: { lines: [], metrics: figures } }, p);
    sections.push(
      `<section id="figures"><h2>Loss window, stalls and availability</h2><ul>${lines.map((l) => `<li>${esc(l)}`).join("")}</ul></section>`,
    );
  }
  sections.push(`<section id="setup"><h2>What ran</h2>${setupSection(test, t, metrics, describe)}</section>`);
  const lat = latencyChart(t, opts.pointBudget, figures && t.timed ? lossWindowMarks(figures, history) : []);
  sections.push(
    `<section id="timeline"><h2>Timeline</h2>${lat.svg}${throughputChart(t)}${markTable(t)}${phaseTable(t)}</section>`,
  );
  sections.push(`<section id="anomalies"><h2>Anomalies</h2>${anomalySections(data, t)}</section>`);
  sections.push(`<section id="nodes"><h2>Nodes</h2>${primarySection(data, t, writers)}${nodeLogs(data)}</section>`);

  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${REPORT_CSS}</style></head>\n<body>\n` +
    `<p class="crumb">splitbrain report · run ${esc(test.runId)} · ${esc(data.dir)}</p>\n` +
    sections.join("\n") +
    `\n<footer>Built from the run directory alone (test.json, history.jsonl.gz, results.json, nodes/). Rebuild: <code>npx splitbrain report ${esc(data.dir)}</code></footer>\n</body></html>\n`
  );
}

const signedS = (x: number) => `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(1)} s`;

/** Each fault's loss window on the run's clock (ns), as the latency chart draws it. */
export function lossWindowMarks(m: SummaryMetrics, history: RunData["history"]): LossMark[] {
  const faults = recordedFaults(history);
  return m.faults.flatMap((f) => {
    const start = faults[f.n - 1]?.appliedS;
    if (start === undefined || f.lostFromS === null || f.lostToS === null) return [];
    return [
      {
        from: (start + f.lostFromS) * 1e9,
        to: (start + f.lostToS) * 1e9,
        label: `${f.fault} ${f.n}: ${f.lostAcknowledged} write(s) acknowledged from ${signedS(f.lostFromS)} to ${signedS(f.lostToS)} after the cut was in place were lost`,
      },
    ];
  });
}

/** The marks noted by hand during the run, as the charts number them. */
function markTable(t: Timeline): string {
  if (!t.marks.length) return "";
  const rows = t.marks.map((m, i) => [`m${i + 1}`, esc(at(m.at, t.timed)), esc(m.text)]);
  return (
    `<h3>Marks</h3><p class="note">Moments noted from another terminal while the run recorded (<code>splitbrain mark</code>).</p>` +
    table(["mark", "at", "text"], rows, "marks")
  );
}

function phaseTable(t: Timeline): string {
  if (t.phases.length === 0) return "";
  const rows = t.phases.map((ph) => {
    const a = availability(ph);
    const bar = a === undefined ? "" : `<span class="bar"><span style="width:${(a * 100).toFixed(1)}%"></span></span>`;
    return [
      esc(ph.name),
      `${esc(at(ph.from, t.timed))} – ${esc(at(ph.to, t.timed))}`,
      count(ph.ok + ph.fail + ph.info),
      count(ph.ok),
      count(ph.fail),
      count(ph.info),
      `${bar} ${percent(a)}`,
    ];
  });
  return (
    `<h3>Availability per phase</h3><p class="note">Share of client ops invoked in each phase that completed ok.</p>` +
    table(["phase", "from – to", "ops", "ok", "fail", "info", "available"], rows, "phases")
  );
}

function anomalySections(data: RunData, t: Timeline): string {
  if (!data.results) return `<p>Not checked yet.</p>`;
  const out: string[] = [];
  for (const c of data.results.checkers) {
    const r = c.result;
    const word = r.valid === true ? "valid" : r.valid === false ? "anomalies" : "unknown";
    const kind = checkerKind(c.checker);
    const body = kind.section ? kind.section(r, t) : genericEvidence(r);
    out.push(
      `<div class="checker"><h3>${esc(c.workload)} / ${esc(c.checker)}: <span class="tag ${word}">${word}</span></h3><p>${esc(r.reason ?? "")}</p>${body}${evidenceLink(c)}</div>`,
    );
  }
  return out.join("\n") || "<p>No checker ran.</p>";
}

/**
 * Where the checker's whole evidence is, when the page shows only part of it: its evidence file (relative, so the
 * link works wherever the run directory is copied), or results.json for a run checked before evidence files.
 */
function evidenceLink(c: CheckerOutcome): string {
  const file = c.evidence?.file ?? (longestList(c.result) > PAGE_ROWS ? "results.json" : undefined);
  if (file === undefined) return "";
  return `<p class="note">All of this checker's evidence, every row: <a href="${esc(file)}">${esc(file)}</a>.</p>`;
}

function longestList(result: object): number {
  return Math.max(0, ...Object.values(result).map((v) => (Array.isArray(v) ? v.length : 0)));
}

function primarySection(data: RunData, t: Timeline, writers: readonly WriterSegment[]): string {
  const out: string[] = [`<h3>Who was primary when</h3>`];
  if (writers.length) {
    const rows = writers.map((w) => [
      `${esc(at(w.from, t.timed))} – ${esc(at(w.to, t.timed))}`,
      w.nodes.length > 1
        ? `<b class="bad">${esc(w.nodes.join(" and "))}</b> (more than one node acknowledged writes)`
        : esc(w.nodes[0]!),
      count(w.writes),
    ]);
    out.push(
      `<p class="note">Source 1, exact on the run's clock: the node that acknowledged each ok write (the <code>node</code> field of the history), grouped in ${t.timed ? "¼-second" : "50-line"} steps.</p>` +
        table(["when", "acknowledging writes", "ok writes"], rows),
    );
  } else {
    out.push(`<p class="note">No ok write records which node served it, so writes cannot tell who was primary.</p>`);
  }
  const nodes = clusterNodes(data.test);
  const nameOf = (ip: string, port: number) =>
    nodes.find((n) => n.ip === ip && (n.port === port || n.kind === "data"))?.name ?? `${ip}:${port}`;
  const sentinelLogs = data.nodes.flatMap((n) =>
    n.files.filter((f) => /sentinel.*\.log$/.test(f.name)).map((f) => ({ node: n.node, text: f.text })),
  );
  if (sentinelLogs.length) {
    const switches = sentinelSwitches(sentinelLogs, nameOf);
    const origin = clockOrigin(data.test);
    out.push(
      `<p class="note">Source 2: Sentinel's decisions (<code>+switch-master</code> in nodes/*/sentinel.log). Logs carry wall-clock times; ` +
        (origin === undefined
          ? `the run's start time is unknown, so they are shown as logged.`
          : data.test.clockStartedAt
            ? `they are placed on the run's clock from the wall time at which it started (test.json clockStartedAt), to within the logs' millisecond precision.`
            : `they are placed on the run's clock assuming it started when the cluster was up (test.json startedAt + start-up time), so expect an error of up to a second.`) +
        `</p>`,
    );
    out.push(
      switches.length
        ? table(
            ["logged at", "≈ run clock", "from", "to", "logged by"],
            switches.map((s: SentinelSwitch) => [
              esc(s.wall),
              origin !== undefined && t.timed ? esc(`≈ ${at(Math.max(0, (s.wallMs - origin) * 1e6), true)}`) : "-",
              esc(s.from),
              esc(s.to),
              esc(s.reportedBy.join(", ")),
            ]),
          )
        : `<p>No Sentinel switched the primary.</p>`,
    );
  }
  return out.join("\n");
}

/** Wall-clock ms of the run clock's zero: recorded by newer runs; estimated for older ones (cluster up). */
function clockOrigin(test: TestRecord): number | undefined {
  if (test.clockStartedAt) {
    const exact = Date.parse(test.clockStartedAt);
    if (Number.isFinite(exact)) return exact;
  }
  const started = Date.parse(test.startedAt);
  const total = (test.cluster as { timings?: { total?: number } } | undefined)?.timings?.total;
  return Number.isFinite(started) && typeof total === "number" ? started + total : undefined;
}

function nodeLogs(data: RunData): string {
  if (data.nodes.length === 0) return `<p>No node files were saved (nodes/ is empty).</p>`;
  const out = [`<h3>Node files</h3>`];
  for (const n of data.nodes) {
    const files = n.files.map((f) =>
      collapsed(
        `${esc(f.name)} <span class="note">(${count(f.bytes)} bytes${f.truncated ? `, last ${count(f.text.length)} characters shown` : ""})</span>`,
        `<pre class="log">${esc(f.text)}</pre>`,
      ),
    );
    out.push(`<div class="node"><h4>${esc(n.node)}</h4>${files.join("")}</div>`);
  }
  return out.join("\n");
}
