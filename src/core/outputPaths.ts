import { accessSync, constants, mkdirSync, mkdtempSync, rmdirSync, statSync } from "node:fs";
import { dirname, join, parse, resolve } from "node:path";
import { UsageError } from "./exit.js";

/**
 * Where commands write (`--results`, `--junit`): created safely, and judged writable before a run starts, so a bad
 * path is refused in a second instead of after a run, or never.
 */

/**
 * `mkdir -p` one component at a time. Node's own `mkdirSync(p, { recursive: true })` never returns when mkdir
 * answers ENOENT under a parent that exists (procfs does, e.g. /proc/x): it creates the parent (EEXIST) and
 * retries the child forever inside C++, at 100% CPU, with the event loop blocked so SIGINT and SIGTERM are never
 * handled. Here every component is tried once, and its error is the answer.
 */
export function makeDirs(path: string): void {
  const full = resolve(path);
  const { root } = parse(full);
  let current = root;
  for (const part of full
    .slice(root.length)
    .split(/[\\/]+/)
    .filter(Boolean)) {
    current = join(current, part);
    try {
      mkdirSync(current);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (!statSync(current).isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), {
          code: "ENOTDIR",
          path: current,
        });
      }
    }
  }
}

export interface OutputPath {
  /** The flag that named it, for the message. */
  flag: string;
  path: string;
  /** A directory created (with its parents) when missing, or a file written into an existing directory. */
  kind: "dir" | "file";
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Whether files can be created in `dir`, by creating and removing an empty directory there: access(2) answers
 * yes for root on procfs and on many read-only or full places where creating anything fails.
 */
function createProblem(dir: string): string | undefined {
  try {
    rmdirSync(mkdtempSync(join(dir, ".splitbrain-probe-")));
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return `cannot create anything in ${dir} (${e.code ?? e.message})`;
  }
}

/** What is wrong with writing there, or undefined. Leaves nothing behind. */
export function outputProblem(out: OutputPath): string | undefined {
  const full = resolve(out.path);
  const say = (why: string) => `${out.flag} ${out.path}: ${why}`;
  if (out.kind === "file") {
    const st = statOrUndefined(full);
    if (st?.isDirectory()) return say("is a directory; give a file name");
    if (st) {
      try {
        accessSync(full, constants.W_OK);
      } catch {
        return say("exists and is not writable");
      }
    }
    const parent = dirname(full);
    const pst = statOrUndefined(parent);
    if (!pst) return say(`directory ${parent} does not exist`);
    if (!pst.isDirectory()) return say(`${parent} is not a directory`);
    const why = createProblem(parent);
    return why ? say(why) : undefined;
  }
  // The nearest part of the path that exists decides: everything below it will be created.
  let existing = full;
  while (!statOrUndefined(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statOrUndefined(existing)?.isDirectory()) return say(`${existing} is not a directory`);
  const why = createProblem(existing);
  return why ? say(why) : undefined;
}

/** Refuses, naming each flag, when any of these cannot be written; called before anything is created. */
export function assertWritable(outputs: ReadonlyArray<OutputPath | undefined>): void {
  const problems = outputs.flatMap((o) => (o ? [outputProblem(o)] : [])).filter((p): p is string => p !== undefined);
  if (problems.length === 0) return;
  throw new UsageError(problems.join("\n  "), "pick a place this user can write to");
}
