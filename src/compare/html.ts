import type { Table, Tone } from "./table.js";

/**
 * compare.html / audit.html: one self-contained page (inline style, no scripts, no network), readable from a CI
 * artifact. Pure: it renders a table built elsewhere, so the page and the terminal never disagree.
 */
export interface PageParts {
  title: string;
  /** Plain sentences shown above the table (the verdict-like answer comes first). */
  lead: string[];
  table: Table;
  /** What was held the same across the runs (the plan), as label/value pairs. */
  plan: Array<[string, string]>;
  notes?: string[];
  /** Tables and sentences above the per-run table (distributions, differences, why), already rendered. */
  before?: string;
  /** Pictures after it (strip plots, small multiples), already rendered SVG. */
  pictures?: string;
  /** Extra CSS the pictures need. */
  css?: string;
}

/** A Table as HTML rows, as the main table is drawn. */
export function tableHtml(t: Table, cls = "results"): string {
  const head = `<tr><th>${escapeHtml(t.corner)}</th>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const rows = t.rows
    .map(
      (r) =>
        `<tr><th scope="row">${escapeHtml(r.label)}</th>${r.cells.map((c, i) => cell(c, r.tones?.[i], r.links?.[i])).join("")}</tr>`,
    )
    .join("\n");
  return `<table class="${cls}"><thead>${head}</thead><tbody>\n${rows}\n</tbody></table>`;
}

export function listHtml(title: string, lines: readonly string[]): string {
  return lines.length
    ? `<h2>${escapeHtml(title)}</h2><ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join("\n")}</ul>`
    : "";
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
  );
}

const TONE_CLASS: Record<Exclude<Tone, undefined>, string> = { good: "good", bad: "bad", warn: "warn" };

function cell(text: string, tone: Tone, link: string | undefined): string {
  const cls = tone ? ` class="${TONE_CLASS[tone]}"` : "";
  const body = link ? `<a href="${escapeHtml(link)}">${escapeHtml(text)}</a>` : escapeHtml(text);
  return `<td${cls}>${body}</td>`;
}

export function renderPage(p: PageParts): string {
  const head = `<tr><th>${escapeHtml(p.table.corner)}</th>${p.table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const rows = p.table.rows
    .map(
      (r) =>
        `<tr><th scope="row">${escapeHtml(r.label)}</th>${r.cells.map((c, i) => cell(c, r.tones?.[i], r.links?.[i])).join("")}</tr>`,
    )
    .join("\n");
  const plan = p.plan
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1b1b1b; }
h1 { font-size: 1.4em; }
ul.lead { font-size: 1.05em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .7em; text-align: left; vertical-align: top; }
thead th, table.plan th { background: #f3f3f3; }
td { font-variant-numeric: tabular-nums; }
.good { background: #e5f5e5; }
.bad { background: #fbe1e1; font-weight: 600; }
.warn { background: #fff4d6; }
.notes { color: #555; }
${p.css ?? ""}
</style>
</head>
<body>
<h1>${escapeHtml(p.title)}</h1>
<ul class="lead">
${p.lead.map((l) => `<li>${escapeHtml(l)}</li>`).join("\n")}
</ul>
${p.before ?? ""}
<h2>Every run</h2>
<table class="results">
<thead>${head}</thead>
<tbody>
${rows}
</tbody>
</table>
${p.pictures ?? ""}
<h2>Held the same across runs</h2>
<table class="plan">
${plan}
</table>
${p.notes?.length ? `<div class="notes">${p.notes.map((n) => `<p>${escapeHtml(n)}</p>`).join("\n")}</div>` : ""}
</body>
</html>
`;
}
