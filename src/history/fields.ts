import { OP_TYPES, type Op, type OpType, type Process } from "./op.js";

/**
 * Turns one decoded record (a JSON object or an EDN map, keys without colons) into an Op, checking each field's
 * type. Every format ends here, so a history means the same whichever file it came from.
 */
export interface FieldContext {
  /** Throws the format's error for this record, naming its line. */
  fail(message: string): never;
  /** How this format prints a value inside a message or an `error` that is not a string. */
  show(value: unknown): string;
}

function short(ctx: FieldContext, v: unknown): string {
  const s = ctx.show(v);
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}

export function opType(v: unknown, ctx: FieldContext): OpType {
  if (typeof v === "string" && (OP_TYPES as readonly string[]).includes(v)) return v as OpType;
  if (v === undefined) ctx.fail("missing type (expected invoke, ok, fail or info)");
  ctx.fail(`expected type to be invoke, ok, fail or info, found ${short(ctx, v)}`);
}

export function opProcess(v: unknown, ctx: FieldContext): Process {
  if (typeof v === "number" && Number.isSafeInteger(v)) return v;
  if (v === "nemesis") return "nemesis";
  if (v === undefined) ctx.fail("missing process (expected an integer, or nemesis)");
  ctx.fail(`expected process to be an integer or nemesis, found ${short(ctx, v)}`);
}

export function isKey(v: unknown): v is string | number | null {
  return v === null || typeof v === "string" || (typeof v === "number" && Number.isFinite(v));
}

export function opFromFields(fields: Record<string, unknown>, index: number, ctx: FieldContext): Op {
  const type = opType(fields.type, ctx);
  const process = opProcess(fields.process, ctx);
  const f = fields.f;
  if (typeof f !== "string" || f === "") {
    ctx.fail(
      f === undefined
        ? "missing f (the operation's name, e.g. read)"
        : `expected f to be a name, found ${short(ctx, f)}`,
    );
  }
  const op: Op = { index, process, type, f };
  const time = fields.time;
  if (time !== undefined && time !== null) {
    if (typeof time !== "number" || !Number.isFinite(time) || time < 0) {
      ctx.fail(`expected time to be a non-negative number of nanoseconds, found ${short(ctx, time)}`);
    }
    op.time = time;
  }
  if ("key" in fields && fields.key !== undefined) {
    if (!isKey(fields.key)) ctx.fail(`expected key to be a string, number or null, found ${short(ctx, fields.key)}`);
    op.key = fields.key;
  }
  if ("value" in fields) op.value = fields.value;
  const error = fields.error;
  if (error !== undefined && error !== null) op.error = typeof error === "string" ? error : ctx.show(error);
  const node = fields.node;
  if (node !== undefined && node !== null) op.node = typeof node === "string" ? node : ctx.show(node);
  return op;
}
