import { writeFile } from "node:fs/promises";
import { type History, isClientOp, type Op } from "./op.js";

/**
 * Writes histories as Jepsen EDN, one op map per line (the layout Jepsen 0.3 uses for history.edn), so Elle and
 * Knossos users can reuse our runs. Keys go where Jepsen's tools look for them: when every client op has a key,
 * as `jepsen.independent` tuples `[k v]` in `:value`; otherwise as a `:key` field.
 */

const KEYWORD = /^(?![+-]?\d)[A-Za-z0-9*+!_?<>=./-]+$/;

function keyword(name: string): string | undefined {
  return KEYWORD.test(name) && !name.startsWith("/") && !name.endsWith("/") ? ":" + name : undefined;
}

function ednStringLiteral(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      default: {
        const code = ch.codePointAt(0)!;
        out += code < 0x20 ? "\\u" + code.toString(16).padStart(4, "0") : ch;
      }
    }
  }
  return out + '"';
}

/** One value as EDN. Strings stay strings (our histories do not know which strings were keywords). */
export function ednValue(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  switch (typeof v) {
    case "boolean":
      return String(v);
    case "number":
      if (Number.isNaN(v)) return "##NaN";
      if (v === Infinity) return "##Inf";
      if (v === -Infinity) return "##-Inf";
      return String(v);
    case "bigint":
      return `${v}N`;
    case "string":
      return ednStringLiteral(v);
    case "object": {
      if (Array.isArray(v)) return "[" + v.map(ednValue).join(" ") + "]";
      const parts: string[] = [];
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        if (val === undefined) continue;
        parts.push(`${keyword(k) ?? ednStringLiteral(k)} ${ednValue(val)}`);
      }
      return "{" + parts.join(", ") + "}";
    }
    default:
      throw new Error(`cannot write a ${typeof v} as EDN`);
  }
}

/** A name Jepsen writes as a keyword (`:read`); anything a keyword cannot spell falls back to a string. */
function ednName(s: string): string {
  return keyword(s) ?? ednStringLiteral(s);
}

export type KeyStyle = "tuple" | "field";

/** Tuples when the whole history is keyed (what jepsen.independent produces), else a `:key` field. */
export function keyStyleFor(history: History): KeyStyle {
  const clients = history.filter(isClientOp);
  return clients.length > 0 && clients.every((op) => op.key !== undefined) ? "tuple" : "field";
}

export function opToEdn(op: Op, keyStyle: KeyStyle): string {
  const parts = [`:index ${op.index}`];
  if (op.time !== undefined) parts.push(`:time ${ednValue(op.time)}`);
  parts.push(`:type :${op.type}`);
  parts.push(`:process ${op.process === "nemesis" ? ":nemesis" : op.process}`);
  parts.push(`:f ${ednName(op.f)}`);
  const asTuple = op.key !== undefined && isClientOp(op) && keyStyle === "tuple";
  if (op.key !== undefined && !asTuple) parts.push(`:key ${ednValue(op.key)}`);
  const value = asTuple ? [op.key, op.value ?? null] : op.value;
  parts.push(`:value ${ednValue(value)}`);
  if (op.error !== undefined) parts.push(`:error ${ednName(op.error)}`);
  if (op.node !== undefined) parts.push(`:node ${ednValue(op.node)}`);
  return "{" + parts.join(", ") + "}";
}

export function historyToEdn(history: History): string {
  const style = keyStyleFor(history);
  let out = "";
  for (const op of history) out += opToEdn(op, style) + "\n";
  return out;
}

export async function writeEdnHistory(path: string, history: History): Promise<void> {
  await writeFile(path, historyToEdn(history), "utf8");
}
