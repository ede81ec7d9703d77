import { checkerKinds } from "../checker/kinds.js";
import type { Verdict } from "../core/exit.js";
import type { RunFigures } from "../metrics/load.js";
import type { SequencedRun } from "./sequence.js";

/**
 * The comparison as a table of text cells, built once and rendered twice (terminal and HTML), so both always show
 * the same numbers. Pure.
 */
export interface Table {
  /** Header of the first column, then one per compared column. */
  corner: string;
  columns: string[];
  rows: TableRow[];
}

export interface TableRow {
  label: string;
  cells: string[];
  /** How each cell should be read: bad (lost writes, not linearizable), good, or neutral. */
  tones?: Tone[];
  /** Cells that link somewhere (the run's directory or report), same positions as cells. */
  links?: Array<string | undefined>;
}

export type Tone = "good" | "bad" | "warn" | undefined;

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function formatPercent(share: number | null | undefined): string {
  return share === null || share === undefined ? "-" : `${(share * 100).toFixed(1)}%`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "-";
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export function formatVerdict(v: Verdict | null): string {
  return v === null ? "-" : v === true ? "yes" : v === false ? "NO" : "unknown";
}

/** Lost acknowledged writes as a cell: "-" when no workload could lose any, "n+" when a checker could not decide. */
export function formatLost(f: Pick<RunFigures, "lostAcknowledged" | "lost" | "lostIsLowerBound">): string {
  if (f.lostAcknowledged === null) return "-";
  const parts = Object.entries(f.lost).filter(([, n]) => n !== undefined && n > 0);
  const detail = parts.length > 1 ? ` (${parts.map(([k, n]) => `${k} ${n}`).join(", ")})` : "";
  return `${f.lostAcknowledged}${f.lostIsLowerBound ? "+" : ""}${detail}`;
}

function lostTone(f: RunFigures): Tone {
  if (f.lostAcknowledged === null) return undefined;
  if (f.lostAcknowledged > 0) return "bad";
  return f.lostIsLowerBound ? "warn" : "good";
}

function verdictTone(v: Verdict | null): Tone {
  return v === true ? "good" : v === false ? "bad" : v === "unknown" ? "warn" : undefined;
}

/** One column per target, the measurements as rows; memory gets one row per node that any run sampled. */
export function compareTable(
  runs: readonly SequencedRun[],
  linkOf: (run: SequencedRun) => string | undefined = (r) => r.runDir,
): Table {
  const figs = runs.map((r) => r.figures);
  const row = (label: string, cell: (f: RunFigures) => string, tone?: (f: RunFigures) => Tone): TableRow => ({
    label,
    cells: figs.map((f) => (f ? cell(f) : "-")),
    tones: figs.map((f) => (f && tone ? tone(f) : undefined)),
  });
  const nodes = [...new Set(figs.flatMap((f) => (f ? Object.keys(f.memoryPeak) : [])))].sort();
  return {
    corner: "",
    columns: runs.map((r) => (r.repeat !== undefined ? `${r.label} #${r.repeat}` : r.label)),
    rows: [
      {
        label: "run",
        cells: runs.map((r) =>
          r.status === "done"
            ? r.figures?.incomplete
              ? `incomplete: ${r.figures.incomplete}`
              : "completed"
            : `${r.status}: ${r.error ?? ""}`,
        ),
        tones: runs.map((r) => (r.status === "done" && !r.figures?.incomplete ? undefined : "warn")),
      },
      row("lost acknowledged writes", formatLost, lostTone),
      row(
        "lost, never acknowledged (read, then gone)",
        (f) => String(f.lostUnacknowledged ?? 0),
        (f) => ((f.lostUnacknowledged ?? 0) > 0 ? "warn" : undefined),
      ),
      ...verdictFigureNames().map((name) =>
        row(
          name,
          (f) => formatVerdict(verdictFigure(f, name)),
          (f) => verdictTone(verdictFigure(f, name)),
        ),
      ),
      row(
        "verdict",
        (f) => (f.valid === true ? "valid" : f.valid === false ? "anomalies" : "unknown"),
        (f) => verdictTone(f.valid),
      ),
      row("availability (ok / completed)", (f) => formatPercent(f.availability)),
      row("ops ok / fail / info", (f) => `${f.ok} / ${f.fail} / ${f.info}`),
      row("latency p50", (f) => formatMs(f.latency?.p50)),
      row("latency p99", (f) => formatMs(f.latency?.p99)),
      row("throughput", (f) => (f.throughput === null ? "-" : `${Math.round(f.throughput)} ok/s`)),
      ...nodes.map((n) => row(`memory peak ${n}`, (f) => formatBytes(f.memoryPeak[n]))),
      {
        label: "run directory",
        cells: runs.map((r) => (r.runDir ? lastSegment(r.runDir) : "-")),
        links: runs.map(linkOf),
      },
    ],
  };
}

/** The run figures that hold a checker's verdict (declared by its kind), each shown as a row of its own. */
export function verdictFigureNames(): string[] {
  return checkerKinds().flatMap((k) => (k.verdictFigure ? [k.verdictFigure] : []));
}

export function verdictFigure(f: RunFigures, name: string): Verdict | null {
  return (f as unknown as Record<string, Verdict | null | undefined>)[name] ?? null;
}

function lastSegment(path: string): string {
  return (
    path
      .split(/[\\/]/)
      .filter((s) => s)
      .pop() ?? path
  );
}

/**
 * The table as plain aligned text. `colour` paints tones (the caller decides whether the terminal takes colour);
 * widths are measured before painting, so escape codes never skew the columns.
 */
export function renderText(table: Table, colour: (tone: Tone, text: string) => string = (_t, s) => s): string {
  const width = (i: number) =>
    Math.max(
      i === 0 ? table.corner.length : table.columns[i - 1]!.length,
      ...table.rows.map((r) => (i === 0 ? r.label : r.cells[i - 1]!).length),
    );
  const widths = Array.from({ length: table.columns.length + 1 }, (_, i) => width(i));
  const line = (cells: string[], tones: Tone[] = []) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[0]!) : colour(tones[i - 1], cell.padEnd(widths[i]!))))
      .join("  ")
      .trimEnd();
  const out = [line([table.corner, ...table.columns]), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of table.rows) out.push(line([r.label, ...r.cells], r.tones));
  return out.join("\n");
}
