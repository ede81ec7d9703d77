import type { Trend } from "./baseline.js";
import type { ConditionResult, ScenarioOutcome } from "./expectation.js";

/**
 * The suite's summary of many scenario runs: one row per scenario (and repeat), rendered as a terminal table, an
 * HTML page and JUnit XML. Pure: rows come in as data.
 */

export type SuiteStatus = ScenarioOutcome | "error" | "skipped";

export interface SuiteRow {
  scenario: string;
  question: string;
  expected: string;
  repeat: number;
  status: SuiteStatus;
  conditions: ConditionResult[];
  /** Why it errored or was skipped. */
  note?: string;
  runDir?: string;
  seconds?: number;
  /** The run's figures, kept in suite.json so a later night can compare with this one from that file alone. */
  figures?: RowFigures;
}

/** The figures a night is compared on (names as in compare's METRICS), and the server as it reported itself. */
export interface RowFigures {
  lossWindowS?: number | null;
  lostFraction?: number | null;
  availabilityTime?: number | null;
  availabilityOps?: number | null;
  lostAcknowledged?: number | null;
  server?: string;
}

/** One run of a suite, as shards split it and merges check it; zero-padded so ids sort in repeat order. */
export function suiteRunId(scenario: string, repeat: number): string {
  return `${scenario}#${String(repeat).padStart(3, "0")}`;
}

/** Scenarios whose outcome changed since the baseline: each is a failure in JUnit whatever tonight's outcome. */
function changedOutcomes(trend: Trend | undefined): Map<string, string> {
  return new Map((trend?.outcomes ?? []).map((o) => [o.scenario, `${o.before} -> ${o.after}`]));
}

/**
 * 1 if any outcome differs from its expectation or changed since the baseline; else 2 if any run errored or was
 * undecided; else 0.
 */
export function suiteExitCode(rows: readonly SuiteRow[], trend?: Trend): 0 | 1 | 2 {
  if (rows.some((r) => r.status === "differs") || (trend?.outcomes.length ?? 0) > 0) return 1;
  if (rows.some((r) => r.status === "error" || r.status === "undecided")) return 2;
  return 0;
}

export function observedText(r: SuiteRow): string {
  if (r.status === "error" || r.status === "skipped") return r.note ?? "";
  return r.conditions.map((c) => c.observed).join("; ");
}

export function statusWord(s: SuiteStatus): string {
  return s === "matched" ? "matched" : s === "differs" ? "DIFFERS" : s;
}

export function suiteCounts(rows: readonly SuiteRow[]): Record<SuiteStatus, number> {
  const out: Record<SuiteStatus, number> = { matched: 0, differs: 0, undecided: 0, error: 0, skipped: 0 };
  for (const r of rows) out[r.status]++;
  return out;
}

/** A plain text table, widths fitted to the content (long cells are cut with an ellipsis). */
export function suiteTable(rows: readonly SuiteRow[], maxCell = 60): string {
  const repeats = rows.some((r) => r.repeat > 1);
  const header = ["scenario", ...(repeats ? ["#"] : []), "outcome", "expected", "observed", "time"];
  const cut = (s: string) => (s.length > maxCell ? s.slice(0, maxCell - 1) + "…" : s);
  const body = rows.map((r) => [
    r.scenario,
    ...(repeats ? [String(r.repeat)] : []),
    statusWord(r.status),
    cut(r.expected),
    cut(observedText(r)),
    r.seconds !== undefined ? `${Math.round(r.seconds)}s` : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((x, i) => x.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

function esc(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
  );
}

const COLOURS: Record<SuiteStatus, string> = {
  matched: "#2e7d32",
  differs: "#c62828",
  undecided: "#b26a00",
  error: "#b26a00",
  skipped: "#757575",
};

/** A self-contained page (no scripts, no network): the summary table, each row linking to its run's report. */
export function suiteHtml(
  rows: readonly SuiteRow[],
  meta: { startedAt: string; seconds: number; command: string; shard?: string },
  trend?: Trend,
): string {
  const counts = suiteCounts(rows);
  const summary = (Object.keys(counts) as SuiteStatus[])
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${statusWord(k)}`)
    .join(", ");
  const tr = rows
    .map((r) => {
      const link = r.runDir ? `<a href="${esc(relativeLink(r.runDir))}/report.html">report</a>` : "";
      const conds = r.conditions.length
        ? `<ul>${r.conditions.map((c) => `<li>expected ${esc(c.expected)}; observed <b>${esc(c.observed)}</b> (${esc(c.judgement)}${c.why ? `: ${esc(c.why)}` : ""})</li>`).join("")}</ul>`
        : esc(r.note ?? "");
      return (
        `<tr><td><b>${esc(r.scenario)}</b>${r.repeat > 1 ? ` #${r.repeat}` : ""}<br><small>${esc(r.question)}</small></td>` +
        `<td style="color:${COLOURS[r.status]};font-weight:bold">${esc(statusWord(r.status))}</td><td>${conds}</td>` +
        `<td>${r.seconds !== undefined ? `${Math.round(r.seconds)} s` : ""}</td><td>${link}</td></tr>`
      );
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>splitbrain suite</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.5em;text-align:left;vertical-align:top}ul{margin:0;padding-left:1.2em}small{color:#555}</style>
</head><body>
<h1>splitbrain suite</h1>
<p>${esc(summary)} &middot; started ${esc(meta.startedAt)} &middot; ${Math.round(meta.seconds)} s &middot; <code>${esc(meta.command)}</code>${meta.shard ? ` &middot; ${esc(meta.shard)}` : ""}</p>
${trend ? trendHtml(trend) : ""}<table><thead><tr><th>scenario</th><th>outcome</th><th>expectation and observation</th><th>time</th><th></th></tr></thead>
<tbody>
${tr}
</tbody></table>
</body></html>
`;
}

/** Since the baseline: changed outcomes first (red), then every figure before -> after with its noise judgement. */
function trendHtml(t: Trend): string {
  const when = t.startedAt ? ` (started ${esc(t.startedAt)})` : "";
  const outcomes = t.outcomes.length
    ? `<ul>${t.outcomes.map((o) => `<li style="color:#c62828"><b>${esc(o.scenario)}</b>: outcome changed, ${esc(o.before)} &rarr; ${esc(o.after)}</li>`).join("")}</ul>`
    : `<p>No scenario changed outcome (${t.unchanged} compared).</p>`;
  const versions = t.versions.length
    ? `<p>New engine versions: ${t.versions.map((v) => `${esc(v.scenario)}: ${esc(v.before)} &rarr; ${esc(v.after)}`).join("; ")}</p>`
    : "";
  const sets = [
    t.added.length ? `New scenarios (not in the baseline): ${esc(t.added.join(", "))}.` : "",
    t.removed.length ? `In the baseline, not run tonight: ${esc(t.removed.join(", "))}.` : "",
  ]
    .filter(Boolean)
    .map((x) => `<p>${x}</p>`)
    .join("");
  const rows = t.figures
    .map(
      (f) =>
        `<tr><td>${esc(f.scenario)}</td><td>${esc(f.label)}</td><td>${esc(f.before)} &rarr; ${esc(f.after)}</td>` +
        `<td${f.moved ? ' style="color:#c62828;font-weight:bold"' : ""}>${esc(f.note)}</td></tr>`,
    )
    .join("\n");
  const table = rows
    ? `<table><thead><tr><th>scenario</th><th>figure</th><th>before &rarr; after</th><th>judgement</th></tr></thead><tbody>\n${rows}\n</tbody></table>`
    : "";
  return `<h2>Since the baseline</h2>\n<p>Against <code>${esc(t.source)}</code>${when}.</p>\n${outcomes}${versions}${sets}${table}\n<h2>Tonight</h2>\n`;
}

/** Run directories sit inside the suite directory, so links are relative to it. */
function relativeLink(runDir: string): string {
  const parts = runDir.split(/[\\/]/);
  return parts[parts.length - 1]!;
}

function xml(text: unknown): string {
  return String(text)
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch]!);
}

/**
 * JUnit: one test case per scenario run. A differing outcome is a <failure>; an undecided or errored run is an
 * <error> (it proved nothing); a skipped one is <skipped>.
 */
export function suiteJunit(rows: readonly SuiteRow[], seconds: number, trend?: Trend): string {
  const counts = suiteCounts(rows);
  const changed = changedOutcomes(trend);
  const failures = rows.filter(
    (r) => r.status === "differs" || (changed.has(r.scenario) && r.status === "matched"),
  ).length;
  const cases = rows.map((r) => {
    const name = r.repeat > 1 ? `${r.scenario} #${r.repeat}` : r.scenario;
    const detail = [
      r.question,
      ...r.conditions.map(
        (c) => `expected: ${c.expected}; observed: ${c.observed} (${c.judgement}${c.why ? `: ${c.why}` : ""})`,
      ),
      ...(r.note ? [r.note] : []),
      ...(r.runDir ? [`run: ${r.runDir}`] : []),
      ...(changed.has(r.scenario) ? [`outcome changed since the baseline: ${changed.get(r.scenario)}`] : []),
    ].join("\n");
    const open = `    <testcase classname="splitbrain.scenario" name="${xml(name)}" time="${(r.seconds ?? 0).toFixed(1)}">`;
    const inner =
      changed.has(r.scenario) && r.status === "matched"
        ? `\n      <failure message="outcome changed since the baseline (${xml(changed.get(r.scenario))})">${xml(detail)}</failure>\n    `
        : r.status === "differs"
          ? `\n      <failure message="outcome differs from the expectation">${xml(detail)}</failure>\n    `
          : r.status === "undecided"
            ? `\n      <error message="undecided">${xml(detail)}</error>\n    `
            : r.status === "error"
              ? `\n      <error message="the run failed">${xml(detail)}</error>\n    `
              : r.status === "skipped"
                ? `\n      <skipped message="${xml(r.note ?? "skipped")}"/>\n    `
                : `\n      <system-out>${xml(detail)}</system-out>\n    `;
    return `${open}${inner}</testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="splitbrain suite" tests="${rows.length}" failures="${failures}" errors="${counts.error + counts.undecided}" skipped="${counts.skipped}" time="${seconds.toFixed(1)}">
  <testsuite name="scenarios" tests="${rows.length}" failures="${failures}" errors="${counts.error + counts.undecided}" skipped="${counts.skipped}" time="${seconds.toFixed(1)}">
${cases.join("\n")}
  </testsuite>
</testsuites>
`;
}
