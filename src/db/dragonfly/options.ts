import type { Command } from "commander";
import type { ClusterSpec } from "../../topology/spec.js";
import type { EngineOptions } from "../engine.js";

/** Dragonfly's own flags (passed as `--flag=value`), kept in ClusterSpec (and test.json) under `dragonfly`. */
export interface DragonflySpec {
  proactorThreads: number | undefined;
  snapshotCron: string | undefined;
  dbfilename: string | undefined;
  /**
   * Container memlock ulimit in bytes or "unlimited". Unset by default: io_uring works within Docker's default, and
   * some runtimes refuse `memlock=-1` outright.
   */
  memlock: string | undefined;
  /** `--dragonfly-flag name=value`, for anything else. */
  extra: Array<[string, string]>;
}

declare module "../../topology/spec.js" {
  interface EngineSpecs {
    dragonfly: DragonflySpec;
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function int(flag: string, text: unknown, problems: string[]): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(String(text).trim())) {
    problems.push(`${flag} takes a whole number (got "${String(text)}").`);
    return undefined;
  }
  return Number(text);
}

function pairs(flag: string, items: unknown, problems: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const item of (items as string[] | undefined) ?? []) {
    const i = item.indexOf("=");
    if (i <= 0) {
      problems.push(`${flag} takes key=value (got "${item}").`);
      continue;
    }
    out.push([item.slice(0, i).trim(), item.slice(i + 1).trim()]);
  }
  return out;
}

const intIn = (n: number, lo: number, hi: number) => Number.isInteger(n) && n >= lo && n <= hi;

export const dragonflyOptions: EngineOptions<DragonflySpec> = {
  add(cmd: Command): Command {
    return cmd
      .option("--proactor-threads <n>", "Dragonfly: I/O threads")
      .option("--snapshot-cron <expr>", 'Dragonfly: snapshot schedule, e.g. "*/1 * * * *"')
      .option("--dbfilename <name>", "Dragonfly: snapshot file name (default: dump)")
      .option("--memlock <bytes|unlimited>", "Dragonfly: container memlock ulimit (default: Docker's)")
      .option("--dragonfly-flag <name=value>", "Dragonfly: any other flag (repeatable)", collect);
  },
  parse(o, problems): DragonflySpec {
    return {
      proactorThreads: int("--proactor-threads", o.proactorThreads, problems),
      snapshotCron: o.snapshotCron as string | undefined,
      dbfilename: o.dbfilename as string | undefined,
      memlock: o.memlock as string | undefined,
      extra: pairs("--dragonfly-flag", o.dragonflyFlag, problems),
    };
  },
  defaults: () => ({
    proactorThreads: undefined,
    snapshotCron: undefined,
    dbfilename: undefined,
    memlock: undefined,
    extra: [],
  }),
  problems(spec: ClusterSpec): string[] {
    const out: string[] = [];
    const df = spec.dragonfly;
    if (df.proactorThreads !== undefined && !intIn(df.proactorThreads, 1, 64)) {
      out.push(`--proactor-threads must be a whole number from 1 to 64 (got ${df.proactorThreads}).`);
    }
    if (df.memlock !== undefined && df.memlock !== "unlimited" && !/^\d+$/.test(df.memlock)) {
      out.push(`--memlock takes a number of bytes or "unlimited" (got "${df.memlock}").`);
    }
    for (const [name, value] of df.extra) {
      if (!/^[a-z][a-z0-9_]*$/.test(name)) out.push(`--dragonfly-flag "${name}" is not a Dragonfly flag name.`);
      if (/[\r\n]/.test(value)) out.push(`--dragonfly-flag ${name}: the value may not contain a line break.`);
    }
    return out;
  },
  given(spec: ClusterSpec): string[] {
    const df = spec.dragonfly;
    return [
      df.proactorThreads !== undefined && "--proactor-threads",
      df.snapshotCron !== undefined && "--snapshot-cron",
      df.dbfilename !== undefined && "--dbfilename",
      df.memlock !== undefined && "--memlock",
      df.extra.length > 0 && "--dragonfly-flag",
    ].filter((x): x is string => typeof x === "string");
  },
};
