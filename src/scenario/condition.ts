/**
 * The conditions a scenario expects of one observed figure: a comparison with a number ("0", ">0", ">= 10",
 * "<0.9"), or a boolean / "unknown" for verdicts. Pure.
 */

export type Comparator = "=" | ">" | ">=" | "<" | "<=";

export type Condition =
  | { kind: "compare"; op: Comparator; value: number; text: string }
  | { kind: "equals"; value: boolean | "unknown"; text: string };

const COMPARISON = /^\s*(>=|<=|=|>|<)?\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Parses a condition as written in a scenario file; returns what is wrong with it as a string instead of throwing. */
export function parseCondition(raw: unknown): Condition | string {
  if (typeof raw === "boolean" || raw === "unknown") return { kind: "equals", value: raw, text: String(raw) };
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) return `a number must be finite (got ${raw})`;
    return { kind: "compare", op: "=", value: raw, text: String(raw) };
  }
  if (typeof raw !== "string")
    return `takes a comparison such as "0", ">0" or "<=0.9", or true / false (got ${JSON.stringify(raw)})`;
  const m = COMPARISON.exec(raw);
  if (!m) return `"${raw}" is not a comparison; write e.g. "0", ">0", ">=10" or "<0.9"`;
  return { kind: "compare", op: (m[1] ?? "=") as Comparator, value: Number(m[2]), text: raw.trim() };
}

export type Holds = "met" | "not met";

export function holds(cond: Condition, observed: number | boolean | "unknown"): Holds {
  if (cond.kind === "equals") return observed === cond.value ? "met" : "not met";
  if (typeof observed !== "number") return "not met";
  const v = cond.value;
  const ok =
    cond.op === "="
      ? observed === v
      : cond.op === ">"
        ? observed > v
        : cond.op === ">="
          ? observed >= v
          : cond.op === "<"
            ? observed < v
            : observed <= v;
  return ok ? "met" : "not met";
}

/** "> 0", "= 0", "= false": how a condition reads after the figure's name. */
export function describeCondition(cond: Condition): string {
  return cond.kind === "equals" ? `= ${cond.value}` : `${cond.op} ${cond.value}`;
}

/**
 * Whether a lower bound (a count that may be larger than measured) already decides the condition: ">" and ">="
 * only get truer as the figure grows; "=", "<" and "<=" may turn false, so a lower bound cannot confirm them.
 */
export function decidedByLowerBound(cond: Condition, observed: number): boolean {
  if (cond.kind !== "compare") return false;
  if (cond.op === ">" || cond.op === ">=") return holds(cond, observed) === "met";
  // A lower bound already above the limit refutes "<", "<=" and "=" for good.
  return holds(cond, observed) === "not met";
}
