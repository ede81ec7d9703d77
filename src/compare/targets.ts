import type { DbName } from "../core/cluster.js";
import { UsageError } from "../core/exit.js";
import { ENGINE_NAMES } from "../db/engines.js";

/**
 * What `compare` and `audit` vary between runs, written in the words of `splitbrain run`'s own options, so anyone
 * who can write a run can write a comparison: `--db redis@7.0,valkey@9.1`, `--against "wait=2,min-replicas-to-write=1"`,
 * `--matrix "wait=0,1,2"`. Everything here is pure parsing and validation; the options of a target are applied on
 * top of the command's own options and then go through the same planFromOptions as a run.
 */

/** How an option takes its value, as commander declares it. */
export type OptionKind = "value" | "flag" | "list" | "repeatable";

export interface OptionSpec {
  /** Name without dashes, as written in --against and --matrix: "min-replicas-to-write". */
  name: string;
  /** commander's attribute name: "minReplicasToWrite". */
  attr: string;
  kind: OptionKind;
  choices?: readonly string[];
}

/** Option values as commander would hand them over, keyed by attribute name. */
export type Overrides = Record<string, string | boolean | string[] | undefined>;

export interface Target {
  /** What the table's column or row is called: "redis@7.0", "appendfsync=always". */
  label: string;
  overrides: Overrides;
}

/** Options that say where or how the comparison itself runs, not what is compared. */
const NOT_VARIABLE = new Set(["results", "keep", "seed", "json"]);
/** Where an existing deployment is: compare takes each as its own target, never as a setting. */
const DEPLOYMENTS = new Set(["endpoint", "sentinel", "cluster"]);

const DB_NAMES: readonly DbName[] = ENGINE_NAMES;
const VERSION = /^\d+(\.\d+){0,2}$/;

/**
 * `redis,dragonfly` or `redis@7.0,redis@8.0,valkey@9.1`: an engine, and optionally the version after `@` (a prefix:
 * "8" matches 8.0.2). Each becomes a target overriding --db and --version.
 */
export function parseDbList(text: string): Target[] {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0)
    throw new UsageError(
      `--db takes engines, comma-separated (got "${text}")`,
      `e.g. --db ${DB_NAMES.slice(0, 2).join(",")} or --db redis@7.0,redis@8.0`,
    );
  const problems: string[] = [];
  const targets: Target[] = [];
  for (const item of items) {
    const [db, version, extra] = item.split("@");
    if (extra !== undefined) problems.push(`"${item}" has more than one @: write engine@version, e.g. redis@7.0`);
    else if (!DB_NAMES.includes(db as DbName)) problems.push(`"${db}" is not an engine: use ${DB_NAMES.join(", ")}`);
    else if (version !== undefined && !VERSION.test(version))
      problems.push(`"${item}": the version after @ is numbers and dots, e.g. ${db}@7.0 or ${db}@8.0.2`);
    else targets.push({ label: item, overrides: version !== undefined ? { db, version } : { db } });
  }
  if (problems.length) throw listProblems("--db", problems);
  refuseDuplicates(targets, "--db");
  return targets;
}

/**
 * One --against: settings separated by commas, each `name=value` (or a bare flag name). A value may itself hold
 * commas (`workload=set,counter`): a piece that is neither `name=value` nor a flag continues the value before it.
 */
export function parseSettings(text: string, specs: readonly OptionSpec[], flag = "--against"): Target {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const pieces: string[] = [];
  for (const raw of text.split(",")) {
    const piece = raw.trim();
    const named = piece.includes("=") || byName.get(piece)?.kind === "flag";
    if (!named && pieces.length > 0) pieces[pieces.length - 1] += "," + piece;
    else pieces.push(piece);
  }
  const overrides: Overrides = {};
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const piece of pieces) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const name = (eq < 0 ? piece : piece.slice(0, eq)).trim().replace(/^--/, "");
    const value = eq < 0 ? "yes" : piece.slice(eq + 1).trim();
    const spec = byName.get(name);
    if (DEPLOYMENTS.has(name)) {
      problems.push(`each deployment is a target of its own: give --${name} [name=]... once per deployment`);
      continue;
    }
    if (!spec || NOT_VARIABLE.has(name)) {
      problems.push(
        spec
          ? `--${name} cannot differ between runs of one comparison`
          : `"${name}" is not a run option${suggest(name, specs)}`,
      );
      continue;
    }
    if (seen.has(name) && spec.kind !== "repeatable") {
      problems.push(`${name} is set twice in "${text}"`);
      continue;
    }
    seen.add(name);
    const problem = applySetting(overrides, spec, value);
    if (problem) problems.push(problem);
  }
  if (problems.length) throw listProblems(flag, problems);
  if (pieces.every((p) => p === ""))
    throw new UsageError(`${flag} takes settings, e.g. "appendfsync=always" (got "${text}")`);
  return { label: pieces.filter((p) => p !== "").join(","), overrides };
}

/** Writes one setting into overrides as commander would have parsed it; returns a problem, if any. */
function applySetting(overrides: Overrides, spec: OptionSpec, value: string): string | undefined {
  if (spec.choices && !spec.choices.includes(value))
    return `${spec.name} takes one of ${spec.choices.join(", ")} (got "${value}")`;
  switch (spec.kind) {
    case "flag": {
      const v = value.toLowerCase();
      if (["yes", "true", "on", "1"].includes(v)) overrides[spec.attr] = true;
      else if (["no", "false", "off", "0"].includes(v)) overrides[spec.attr] = undefined;
      else return `${spec.name} is a flag: write ${spec.name}, ${spec.name}=yes or ${spec.name}=no (got "${value}")`;
      return undefined;
    }
    case "list":
      overrides[spec.attr] = value.split(/\s+/).filter((s) => s !== "");
      return undefined;
    case "repeatable": {
      const prev = overrides[spec.attr];
      overrides[spec.attr] = [...(Array.isArray(prev) ? prev : []), value];
      return undefined;
    }
    case "value":
      // WAIT 0 would wait for no replica, which is what not sending WAIT means; the table reads better with it.
      overrides[spec.attr] = spec.name === "wait" && value === "0" ? undefined : value;
      return undefined;
  }
}

export interface MatrixAxis {
  name: string;
  values: string[];
}

/** One --matrix: `name=v1,v2,...`, the values one setting takes across the audit. */
export function parseMatrixAxis(text: string, specs: readonly OptionSpec[]): MatrixAxis {
  const eq = text.indexOf("=");
  const name = (eq < 0 ? text : text.slice(0, eq)).trim().replace(/^--/, "");
  const values =
    eq < 0
      ? []
      : text
          .slice(eq + 1)
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "");
  if (eq < 0 || values.length === 0) {
    throw new UsageError(
      `--matrix takes name=value1,value2,... (got "${text}")`,
      'e.g. --matrix "wait=0,1,2" --matrix "min-replicas-to-write=0,1"',
    );
  }
  if (new Set(values).size !== values.length) throw new UsageError(`--matrix "${text}" lists a value twice`);
  // Validate every value now, so a typo in the last cell does not surface an hour into the audit.
  for (const v of values) parseSettings(`${name}=${v}`, specs, "--matrix");
  return { name, values };
}

/** The cartesian product of the axes, first axis slowest, so the first cell (every first value) is the baseline. */
export function matrixCells(axes: readonly MatrixAxis[], specs: readonly OptionSpec[]): Target[] {
  const names = axes.map((a) => a.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UsageError(`--matrix ${dup} is given twice: put all its values in one --matrix`);
  let combos: string[][] = [[]];
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => [...c, `${axis.name}=${v}`]));
  const seen = new Set<string>();
  const cells: Target[] = [];
  for (const combo of combos) {
    const settings = withoutInert(combo);
    const label = settings.join(" ");
    if (seen.has(label)) continue;
    seen.add(label);
    const t = parseSettings(settings.join(","), specs, "--matrix");
    cells.push({ label, overrides: t.overrides });
  }
  return cells;
}

/**
 * min-replicas-max-lag means nothing without min-replicas-to-write (a run refuses it), so in a cell where the guard
 * is off it is dropped, and the cells that then coincide run once: min-replicas-to-write=0,1 x max-lag=10,2 is three
 * cells, not four.
 */
export function withoutInert(settings: readonly string[]): string[] {
  const value = (name: string) => settings.find((s) => s.startsWith(`${name}=`))?.slice(name.length + 1);
  const guard = value("min-replicas-to-write");
  if (value("min-replicas-max-lag") !== undefined && (guard === undefined || Number(guard) === 0)) {
    return settings.filter((s) => !s.startsWith("min-replicas-max-lag="));
  }
  return [...settings];
}

/** Every pairing of a --db target with an --against target (either list may be a single empty target). */
export function crossTargets(dbs: readonly Target[], againsts: readonly Target[]): Target[] {
  const left = dbs.length ? dbs : [{ label: "", overrides: {} }];
  const right = againsts.length ? againsts : [{ label: "", overrides: {} }];
  const out = left.flatMap((a) =>
    right.map((b) => ({
      label: [a.label, b.label].filter((s) => s).join(" "),
      overrides: { ...a.overrides, ...b.overrides },
    })),
  );
  refuseDuplicates(out, "--against");
  return out;
}

function refuseDuplicates(targets: readonly Target[], flag: string): void {
  const labels = targets.map((t) => t.label);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup !== undefined)
    throw new UsageError(`${flag} lists "${dup}" twice; each target runs once per repeat (use --repeat for repeats)`);
}

function listProblems(flag: string, problems: string[]): UsageError {
  return new UsageError(
    problems.length === 1 ? `${flag}: ${problems[0]}` : `${flag}:\n  ${problems.join("\n  ")}`,
    "the names are those of `splitbrain run --help`, without the dashes",
  );
}

function suggest(name: string, specs: readonly OptionSpec[]): string {
  // A fragment ("replicas-to-write") most likely means a longer name containing it; only then the other way round.
  const longer = specs.filter((s) => s.name.includes(name)).map((s) => s.name);
  const close = longer.length ? longer : specs.filter((s) => name.includes(s.name)).map((s) => s.name);
  return close.length ? ` (did you mean ${close.slice(0, 3).join(", ")}?)` : "";
}
