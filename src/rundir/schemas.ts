import { readFileSync } from "node:fs";
import { z } from "zod";
import { WORKLOADS } from "../../workloads/index.js";
import { UsageError } from "../core/exit.js";
import { jsonNestsDeeperThan, MAX_NESTING } from "../history/limits.js";

/**
 * The shapes of test.json and results.json as their readers (check, report, metrics, junit) use them, checked when
 * a file is read back: a run directory can come from another version, an artifact store or a hand edit, and a
 * record of the wrong shape must be refused naming the file and the field, not fail later as `plan.workloads is not
 * iterable`. Only fields something reads are checked, and unknown fields pass, so newer records stay readable.
 *
 * The TestRecord and RunResults types stay hand-written beside the runner (they carry more than readers need);
 * test/unit/run-records.test.ts keeps them and these schemas together by parsing records the runner's own code
 * builds.
 */

const int = (min = 0) => z.number().int().min(min);
const strings = z.array(z.string());

const clusterSchema = z.looseObject({
  db: z.string(),
  topology: z.string(),
  replicas: int(),
  version: z.string().optional(),
  image: z.string().optional(),
  sentinel: z.looseObject({
    count: int(),
    colocated: z.boolean(),
    quorum: int(),
    downAfterMs: z.number(),
    failoverTimeoutMs: z.number(),
  }),
  clusterNodeTimeoutMs: z.number(),
  settings: z.looseObject({ extra: z.array(z.tuple([z.string(), z.string()])) }),
});

const durabilitySchema = z.discriminatedUnion("kind", [
  z.looseObject({ kind: z.literal("primary") }),
  z.looseObject({ kind: z.literal("wait"), replicas: int(), timeoutMs: z.number() }),
  z.looseObject({ kind: z.literal("waitaof"), local: int(), replicas: int(), timeoutMs: z.number() }),
]);

const workloadName = z
  .string()
  .refine((n) => n in WORKLOADS, { message: `expected a workload: ${Object.keys(WORKLOADS).join(", ")}` });

const planSchema = z
  .looseObject({
    cluster: clusterSchema,
    workloads: z.array(workloadName).min(1),
    slots: z.array(workloadName),
    keys: int(1).optional(),
    txn: z.enum(["multi", "lua"]).optional(),
    concurrency: int(1),
    rate: z.number().positive().optional(),
    timeLimitMs: z.number().nonnegative(),
    recoveryMs: z.number().nonnegative(),
    opTimeoutMs: z.number().nonnegative(),
    durability: durabilitySchema,
    nemeses: strings,
    nemesisIntervalMs: z.number().nonnegative(),
    nemesisMode: z.string(),
    nemesisOptions: z.looseObject({}),
    seed: z.number(),
    checkTimeoutMs: z.number().positive().optional(),
  })
  .refine((p) => p.slots.length === p.concurrency, {
    message: "expected one workload per client (slots as long as concurrency)",
    path: ["slots"],
  });

export const testRecordSchema = z.looseObject({
  tool: z.looseObject({ name: z.string(), version: z.string() }),
  runId: z.string(),
  startedAt: z.string(),
  clockStartedAt: z.string().optional(),
  command: strings,
  plan: planSchema,
  incomplete: z.string().optional(),
});

const verdictSchema = z.union([z.boolean(), z.literal("unknown")]);

export const runResultsSchema = z.looseObject({
  valid: verdictSchema,
  // A list of lines before summary.metrics existed; both are read.
  summary: z.union([strings, z.looseObject({ lines: strings, metrics: z.looseObject({}).optional() })]),
  checkers: z.array(
    z.looseObject({
      workload: z.string(),
      checker: z.string(),
      result: z.looseObject({ valid: verdictSchema, reason: z.string().optional() }),
    }),
  ),
  incomplete: z.string().optional(),
  stats: z.looseObject({ ops: z.number(), checkMs: z.number() }),
});

/** `plan.workloads[2]` from a zod path. */
function fieldName(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `${out ? "." : ""}${String(p)}`;
  return out || "(the whole file)";
}

function found(raw: unknown, path: readonly PropertyKey[]): string {
  let v: unknown = raw;
  for (const p of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? s.slice(0, 37) + "..." : s;
}

/**
 * The data, typed, or a UsageError naming the file and up to five wrong fields, each with what it holds. `T` is the
 * reader's own type: the schema checks the part of it that readers use.
 */
export function parseRecord<T>(schema: z.ZodType, raw: unknown, file: string, hint: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data as T;
  const issues = r.error.issues.slice(0, 5).map((i) => {
    const what = i.code === "invalid_type" ? `expected ${i.expected}` : i.message.replace(/^Invalid input: /, "");
    return `field ${fieldName(i.path)}: ${what}, found ${found(raw, i.path)}`;
  });
  const more = r.error.issues.length > 5 ? ` (and ${r.error.issues.length - 5} more)` : "";
  throw new UsageError(`${file} is not a record splitbrain can read: ${issues.join("; ")}${more}`, hint);
}

/** 1-based line and column of a character offset. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * Reads a JSON file, with syntax errors (a file cut short by a crash, a hand edit) as UsageErrors naming the file
 * and, where the parser says, the line and column.
 */
export function readJsonFile(path: string, hint: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, hint);
  }
  return parseJsonText(text, path, hint);
}

/** The pure half of readJsonFile. */
export function parseJsonText(text: string, path: string, hint: string): unknown {
  if (jsonNestsDeeperThan(text)) {
    throw new UsageError(
      `${path} nests lists or objects more than ${MAX_NESTING} deep, which no splitbrain record does`,
      hint,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    const endOfInput = /end of (JSON|data) input/.test(message);
    const where = at
      ? position(text, Number(at[1]))
      : endOfInput && text.trim() !== ""
        ? position(text, text.trimEnd().length)
        : undefined;
    const reason = message.replace(/ in JSON at position \d+.*$/, "").replace(/^JSON\.parse: /, "");
    const prefix = where ? `${path}:${where.line}:${where.column}` : path;
    const atEnd = at ? Number(at[1]) >= text.trimEnd().length : endOfInput;
    const cut =
      text.trim() === ""
        ? " (the file is empty)"
        : atEnd || /Unterminated/.test(message)
          ? " (the file is cut short)"
          : "";
    throw new UsageError(`${prefix}: not valid JSON${cut}: ${reason}`, hint);
  }
}
