/**
 * HTML text helpers for the report and for the sections checkers render of themselves. Everything that comes from a
 * run (log lines, op values, keys, error messages) may contain markup, so every such string goes through `esc`
 * before it reaches the page.
 */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/** 12345 -> "12,345": counts in sentences read faster with separators. */
export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

export function percent(share: number | undefined): string {
  if (share === undefined || !Number.isFinite(share)) return "-";
  if (share > 0.999 && share < 1) return "99.9%";
  return `${(share * 100).toFixed(share >= 0.1 ? 1 : 2)}%`;
}

/** A moment on the run's timeline: mm:ss.s for timed histories, the history line otherwise. */
export function at(moment: number, timed: boolean): string {
  if (!timed) return `line ${count(moment)}`;
  const totalMs = Math.round(moment / 1e6);
  const m = Math.floor(totalMs / 60000);
  const s = ((totalMs % 60000) / 1000).toFixed(1).padStart(4, "0");
  return `${String(m).padStart(2, "0")}:${s}`;
}

export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "-";
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return value >= 10 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`;
}

/** Short text for an arbitrary value from a history or config, cut to `max` characters. */
export function brief(value: unknown, max = 120): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A table from rows of already-escaped cells; closing tags are omitted (valid HTML) to keep long tables small. */
export function table(head: string[], rows: string[][], cls = ""): string {
  const th = head.map((h) => `<th>${h}`).join("");
  const body = rows.map((r) => `<tr><td>${r.join("<td>")}`).join("\n");
  return `<table${cls ? ` class="${cls}"` : ""}><thead><tr>${th}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** A long list behind a disclosure, with its size in the summary so nothing is hidden silently. */
export function collapsed(summary: string, body: string, open = false): string {
  return `<details${open ? " open" : ""}><summary>${summary}</summary>${body}</details>`;
}
