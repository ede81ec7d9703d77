import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { UsageError } from "../core/exit.js";
import { warn } from "../core/output.js";
import { packageRoot } from "../core/paths.js";
import { parseJsonText } from "../rundir/schemas.js";
import { missingFaults, scenarioPlan } from "./options.js";
import { type Scenario, ScenarioError, validateScenario } from "./scenario.js";

/**
 * Finds and reads scenario files: the catalogue shipped with splitbrain, ./scenarios in the working directory, and
 * any --dir. Every problem of every file is reported at once, each naming its file and field.
 */

export const BUILTIN_DIR = join(packageRoot, "scenarios");

export function scenarioDirs(extra: readonly string[] = [], cwd = process.cwd()): string[] {
  const dirs = [BUILTIN_DIR, join(cwd, "scenarios"), ...extra.map((d) => resolve(cwd, d))];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of dirs) {
    const r = resolve(d);
    if (seen.has(r)) continue;
    seen.add(r);
    out.push(r);
  }
  return out;
}

function shortPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel.startsWith("..") ? p : rel;
}

/** Reads one file; throws a ScenarioError with every problem (JSON syntax, schema, plan). */
export function loadScenarioFile(path: string): Scenario {
  const file = shortPath(path);
  let raw: unknown;
  try {
    raw = parseJsonText(readFileSync(path, "utf8"), file, "");
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    // "<file>:3:7: not valid JSON: ..." said the ScenarioError way: the file heads the list of problems.
    const m = /^:(\d+):(\d+): not valid JSON(.*)$/s.exec(err.message.slice(file.length));
    throw new ScenarioError(file, [
      m
        ? `is not valid JSON at line ${m[1]}, column ${m[2]}${m[3]}`
        : err.message.slice(file.length).replace(/^:? */, ""),
    ]);
  }
  const s = validateScenario(raw, file, basename(path, ".json"));
  if (missingFaults(s).length === 0) {
    try {
      scenarioPlan(s, { db: s.engines[0]! });
    } catch (err) {
      if (err instanceof UsageError) throw new ScenarioError(file, [err.message.replace(`${file}: `, "")]);
      throw err;
    }
  }
  return s;
}

/**
 * Every scenario in the directories, by name. `requireDirs` are directories the user named: those must exist.
 * Two files with one name are an error (which one would run is not obvious).
 */
export function loadScenarios(
  opts: { dirs?: readonly string[]; cwd?: string; onWarning?: (message: string) => void } = {},
): Scenario[] {
  const onWarning = opts.onWarning ?? warn;
  const named = (opts.dirs ?? []).map((d) => resolve(opts.cwd ?? process.cwd(), d));
  for (const d of named) {
    if (!existsSync(d) || !statSync(d).isDirectory())
      throw new UsageError(`--dir ${d} is not a directory`, "name a directory holding <name>.json scenario files");
  }
  const problems: string[] = [];
  const byName = new Map<string, Scenario>();
  for (const dir of scenarioDirs(opts.dirs, opts.cwd)) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir).sort()) {
      if (entry.endsWith(".schema.json") || entry.startsWith(".")) continue;
      if (!entry.endsWith(".json")) {
        const unread = notAScenario(join(dir, entry));
        if (unread?.refuse) problems.push(unread.message);
        else if (unread) onWarning(unread.message);
        continue;
      }
      try {
        const s = loadScenarioFile(join(dir, entry));
        const before = byName.get(s.name);
        if (before)
          problems.push(`${s.file}: name: scenario ${s.name} is already defined by ${before.file}; rename one of them`);
        else byName.set(s.name, s);
      } catch (err) {
        if (err instanceof ScenarioError) problems.push(err.message);
        else throw err;
      }
    }
  }
  if (problems.length) {
    throw new UsageError(
      `${problems.length} scenario file(s) have problems:\n${problems.join("\n")}`,
      "fix the fields named above (see README, Scenarios)",
    );
  }
  return [...byName.values()];
}

/**
 * A file in a scenario directory that is not read: a YAML scenario is refused (someone meant it to run, and a
 * silently skipped scenario looks like a passing one); anything else is named in a warning. Directories: nothing.
 */
function notAScenario(path: string): { message: string; refuse: boolean } | undefined {
  if (!statSync(path).isFile()) return undefined;
  const file = shortPath(path);
  if (/\.ya?ml$/i.test(path)) {
    return {
      refuse: true,
      message: `${file}: scenarios are JSON files (<name>.json); YAML is not read, so convert this file to JSON`,
    };
  }
  return { refuse: false, message: `${file} is not read: scenario files end in .json` };
}

export function findScenario(all: readonly Scenario[], name: string): Scenario {
  const s = all.find((x) => x.name === name);
  if (s) return s;
  if (/[\\/]|\.(json|ya?ml)$/i.test(name)) {
    throw new UsageError(
      `no scenario named "${name}": scenarios are given by name, not by file`,
      "put the file (JSON, named <name>.json) in ./scenarios or a --dir <directory>, then give its name",
    );
  }
  const close = all.filter((x) => x.name.includes(name) || name.includes(x.name)).map((x) => x.name);
  throw new UsageError(
    `no scenario named "${name}"`,
    close.length ? `did you mean ${close.join(", ")}? (splitbrain scenario list)` : "see splitbrain scenario list",
  );
}
