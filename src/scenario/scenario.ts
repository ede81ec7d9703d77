import { Command, type Option } from "commander";
import { NEMESES } from "../../nemeses/index.js";
import { DB_NAMES } from "../cluster/options.js";
import type { DbName } from "../core/cluster.js";
import { addRunOptions } from "../runner/plan.js";
import { describeCondition, parseCondition } from "./condition.js";
import { BUILTIN_FIGURES, type Expectation } from "./expectation.js";

/**
 * A scenario file, validated. One JSON file per scenario (scenarios/<name>.json): a question, a complete run plan,
 * the outcome it expects, why, and the documentation it relies on. Validation is hand-written so every problem is
 * reported at once, as "file: field: what is wrong and what to write instead". Pure.
 */

export interface DocLink {
  title: string;
  url: string;
}

/** A figure read from the saved run directory: lines of the nodes' logs matching a pattern, or a field of INFO. */
export type Observation =
  | { kind: "log"; label: string; pattern: string; file: string; nodes?: string[] }
  | { kind: "info"; label: string; field: string; node: string };

/** A database command sent to nodes at a moment of the workload, e.g. to load a dataset before a fault. */
export interface Step {
  atS: number;
  target: string;
  command: string[];
  timeoutS: number;
}

export type PlanValue = string | boolean | string[];

export interface Scenario {
  name: string;
  /** Where it was read from, for messages. */
  file: string;
  question: string;
  engines: DbName[];
  /** Run options as `splitbrain run` takes them (camel-cased), every value already a string, flag or list. */
  plan: Record<string, PlanValue>;
  expect: Expectation[];
  observe: Record<string, Observation>;
  steps: Step[];
  reasoning: string;
  docs: DocLink[];
  /** What was measured on the project's own machine, and why it may differ elsewhere. */
  measured?: string;
  /** Faults the scenario needs that may not exist in this build yet (it is listed, but cannot run without them). */
  needsFaults: string[];
  /** `"existing": true`: it may run against a deployment splitbrain did not start (scenario run --endpoint ...). */
  existing: boolean;
}

/** Options a scenario's plan may not set: they belong to the person running it, not to the scenario. */
const PERSONAL_OPTIONS = new Set(["results", "keep"]);

interface OptionShape {
  flag: string;
  kind: "flag" | "value" | "list";
  choices?: readonly string[];
}

let shapes: Map<string, OptionShape> | undefined;

/** The run options a plan may use, read from `splitbrain run`'s own definition so the two never drift apart. */
export function planOptionShapes(): Map<string, OptionShape> {
  if (shapes) return shapes;
  shapes = new Map();
  for (const o of addRunOptions(new Command()).options as Option[]) {
    const key = o.attributeName();
    if (PERSONAL_OPTIONS.has(key)) continue;
    const list = o.variadic || (o.parseArg !== undefined && o.argChoices === undefined);
    const kind = o.isBoolean() ? "flag" : list ? "list" : "value";
    shapes.set(key, { flag: o.long ?? key, kind, ...(o.argChoices ? { choices: o.argChoices } : {}) });
  }
  return shapes;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const KNOWN_FIELDS = [
  "$schema",
  "name",
  "question",
  "engines",
  "plan",
  "expect",
  "observe",
  "steps",
  "reasoning",
  "docs",
  "measured",
  "needs",
  "existing",
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Thrown with every problem of one file; the loader turns it into a UsageError. */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}:\n  ${problems.join("\n  ")}`);
    this.name = "ScenarioError";
  }
}

/** A string, or a list of lines (JSON has no multi-line strings) where an empty line starts a new paragraph. */
function text(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) {
    return v
      .map((line) => (line.trim() === "" ? "\n\n" : line.trim()))
      .join(" ")
      .replace(/ ?\n\n ?/g, "\n\n");
  }
  return undefined;
}

/** Validates parsed JSON as a scenario; `expectedName` is the file's base name, which must equal `name`. */
export function validateScenario(raw: unknown, file: string, expectedName?: string): Scenario {
  const problems: string[] = [];
  const bad = (field: string, message: string) => problems.push(`${field}: ${message}`);
  if (!isObject(raw)) throw new ScenarioError(file, ["the file must hold one JSON object (a scenario)"]);

  for (const k of Object.keys(raw)) {
    if (!KNOWN_FIELDS.includes(k)) bad(k, `unknown field; a scenario has ${KNOWN_FIELDS.slice(1).join(", ")}`);
  }

  const name = raw.name;
  if (typeof name !== "string" || !NAME.test(name))
    bad("name", `takes lower-case letters, digits and dashes, e.g. "split-brain" (got ${JSON.stringify(name)})`);
  else if (expectedName !== undefined && name !== expectedName)
    bad("name", `is "${name}" but the file is ${expectedName}.json; name the file after the scenario`);

  const question = raw.question;
  if (typeof question !== "string" || question.trim() === "")
    bad("question", "takes one line saying what the scenario asks");
  else if (question.includes("\n")) bad("question", "must be one line; put the detail in reasoning");

  const engines: DbName[] = [];
  if (!Array.isArray(raw.engines) || raw.engines.length === 0)
    bad("engines", `takes a non-empty list of ${DB_NAMES.join(", ")}`);
  else {
    for (const [i, e] of raw.engines.entries()) {
      if (typeof e !== "string" || !(DB_NAMES as readonly string[]).includes(e))
        bad(`engines[${i}]`, `must be one of ${DB_NAMES.join(", ")} (got ${JSON.stringify(e)})`);
      else engines.push(e as DbName);
    }
  }

  const plan: Record<string, PlanValue> = {};
  if (!isObject(raw.plan))
    bad("plan", 'takes an object of run options, e.g. {"topology": "sentinel", "nemesis": "kill"}');
  else {
    const known = planOptionShapes();
    for (const [key, value] of Object.entries(raw.plan)) {
      const field = `plan.${key}`;
      const shape = known.get(key);
      if (shape === undefined) {
        bad(
          field,
          PERSONAL_OPTIONS.has(key)
            ? "is chosen by whoever runs the scenario, not by the scenario"
            : `is not a run option (see splitbrain run --help; write options camel-cased, e.g. timeLimit for --time-limit)`,
        );
        continue;
      }
      if (key === "db") {
        bad(field, "is chosen from engines (the first is the default; scenario run --db picks another)");
        continue;
      }
      if (shape.kind === "flag") {
        if (typeof value !== "boolean")
          bad(field, `is a flag (${shape.flag}): write true or false (got ${JSON.stringify(value)})`);
        else if (value) plan[key] = true;
        continue;
      }
      if (shape.kind === "list") {
        const items = Array.isArray(value) ? value : [value];
        if (!items.every((x) => typeof x === "string" || typeof x === "number")) {
          bad(field, `takes a list of strings for ${shape.flag} (got ${JSON.stringify(value)})`);
        } else plan[key] = items.map(String);
        continue;
      }
      if (
        typeof value !== "string" &&
        typeof value !== "number" &&
        !(typeof value === "boolean" && key === "appendonly")
      ) {
        bad(field, `takes a string or number for ${shape.flag} (got ${JSON.stringify(value)})`);
        continue;
      }
      const v = typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
      if (shape.choices && !shape.choices.includes(v)) {
        bad(field, `must be one of ${shape.choices.join(", ")} (got ${JSON.stringify(value)})`);
        continue;
      }
      plan[key] = v;
    }
  }

  const observe: Record<string, Observation> = {};
  if (raw.observe !== undefined) {
    if (!isObject(raw.observe))
      bad("observe", 'takes an object of named figures, e.g. {"fullSyncs": {"log": "Full resync requested"}}');
    else {
      for (const [key, o] of Object.entries(raw.observe)) {
        const field = `observe.${key}`;
        if (BUILTIN_FIGURES[key]) {
          bad(field, `${key} is a built-in figure; pick another name`);
          continue;
        }
        if (!isObject(o)) {
          bad(field, 'takes {"log": "<regex>"} or {"info": "<field>", "node": "n2"}');
          continue;
        }
        const label = typeof o.label === "string" ? o.label : key;
        if (typeof o.log === "string") {
          try {
            new RegExp(o.log);
          } catch (err) {
            bad(`${field}.log`, `is not a valid regular expression: ${(err as Error).message}`);
            continue;
          }
          const nodes = o.nodes;
          if (nodes !== undefined && !(Array.isArray(nodes) && nodes.every((n) => typeof n === "string"))) {
            bad(`${field}.nodes`, 'takes a list of node names, e.g. ["n1"]');
            continue;
          }
          const file = o.file ?? "db.log";
          if (typeof file !== "string" || !/^[\w.-]+$/.test(file)) {
            bad(`${field}.file`, 'takes a file name saved per node, e.g. "db.log" or "sentinel.log"');
            continue;
          }
          observe[key] = { kind: "log", label, pattern: o.log, file, ...(nodes ? { nodes: nodes as string[] } : {}) };
        } else if (typeof o.info === "string") {
          if (typeof o.node !== "string") {
            bad(`${field}.node`, 'names the node whose INFO holds the field, e.g. "n2"');
            continue;
          }
          observe[key] = { kind: "info", label, field: o.info, node: o.node };
        } else
          bad(
            field,
            'takes {"log": "<regex>"} (lines counted over the nodes\' logs) or {"info": "<field>", "node": "n2"}',
          );
      }
    }
  }

  const expect: Expectation[] = [];
  if (!isObject(raw.expect) || Object.keys(raw.expect).length === 0) {
    bad("expect", 'takes at least one figure and condition, e.g. {"lostAcknowledged": ">0"}');
  } else {
    for (const [figure, c] of Object.entries(raw.expect)) {
      const field = `expect.${figure}`;
      if (!BUILTIN_FIGURES[figure] && !observe[figure] && !(isObject(raw.observe) && figure in raw.observe)) {
        bad(
          field,
          `is not a figure: use one of ${Object.keys(BUILTIN_FIGURES).join(", ")}, or define it under observe`,
        );
        continue;
      }
      const condition = parseCondition(c);
      if (typeof condition === "string") bad(field, condition);
      else expect.push({ figure, condition });
    }
  }

  const steps: Step[] = [];
  if (raw.steps !== undefined) {
    if (!Array.isArray(raw.steps))
      bad("steps", 'takes a list of {"atS": 1, "target": "primary", "command": ["DEBUG", "POPULATE", "100000"]}');
    else {
      for (const [i, s] of raw.steps.entries()) {
        const field = `steps[${i}]`;
        if (!isObject(s)) {
          bad(field, "takes an object with atS, target and command");
          continue;
        }
        const atS = s.atS ?? 0;
        const timeoutS = s.timeoutS ?? 60;
        const target = s.target ?? "primary";
        if (typeof atS !== "number" || !(atS >= 0))
          bad(`${field}.atS`, "takes seconds since the workload began (>= 0)");
        else if (typeof timeoutS !== "number" || !(timeoutS > 0))
          bad(`${field}.timeoutS`, "takes a positive number of seconds");
        else if (typeof target !== "string") bad(`${field}.target`, 'takes a target such as "primary", "all" or "n2"');
        else if (
          !Array.isArray(s.command) ||
          s.command.length === 0 ||
          !s.command.every((x) => typeof x === "string" || typeof x === "number")
        ) {
          bad(`${field}.command`, 'takes the command as a list of words, e.g. ["DEBUG", "POPULATE", "100000"]');
        } else steps.push({ atS, target, command: s.command.map(String), timeoutS });
      }
    }
  }

  const reasoning = text(raw.reasoning);
  if (reasoning === undefined || reasoning.trim() === "")
    bad("reasoning", "takes the why: which mechanism loses (or keeps) the data, as a string or a list of sentences");

  const docs: DocLink[] = [];
  if (!Array.isArray(raw.docs) || raw.docs.length === 0)
    bad("docs", 'takes a list of {"title": ..., "url": ...} naming the documentation the scenario relies on');
  else {
    for (const [i, d] of raw.docs.entries()) {
      if (!isObject(d) || typeof d.title !== "string" || typeof d.url !== "string" || !/^https:\/\//.test(d.url)) {
        bad(`docs[${i}]`, 'takes {"title": "...", "url": "https://..."}');
      } else docs.push({ title: d.title, url: d.url });
    }
  }

  let measured: string | undefined;
  if (raw.measured !== undefined) {
    measured = text(raw.measured);
    if (measured === undefined) bad("measured", "takes a string (or list of sentences): what was observed here");
  }

  const needsFaults: string[] = [];
  if (raw.needs !== undefined) {
    const faults = isObject(raw.needs) ? raw.needs.faults : undefined;
    if (!Array.isArray(faults) || !faults.every((f) => typeof f === "string"))
      bad("needs", 'takes {"faults": ["power-loss"]}: faults this build may not have yet');
    else needsFaults.push(...(faults as string[]));
  }

  let existing = false;
  if (raw.existing !== undefined) {
    if (typeof raw.existing !== "boolean")
      bad("existing", "takes true when the scenario may run on an existing deployment (--endpoint ...), else false");
    else existing = raw.existing;
  }
  if (existing && !problems.length) {
    const why = existingObstacles({ plan, steps, observe, expect });
    if (why.length) bad("existing", `is true, but ${why.join("; ")}`);
  }

  if (problems.length) throw new ScenarioError(file, problems);
  return {
    name: name as string,
    file,
    question: (question as string).trim(),
    engines,
    plan,
    expect,
    observe,
    steps,
    reasoning: reasoning!.trim(),
    docs,
    ...(measured !== undefined ? { measured: measured.trim() } : {}),
    needsFaults,
    existing,
  };
}

/** Plan options that shape a cluster to start: an existing deployment has its own shape. */
const SHAPE_KEYS = ["replicas", "sentinels", "sentinelsColocated", "quorum", "downAfterMs", "failoverTimeoutMs"];

/**
 * Why a scenario could not run on a deployment splitbrain did not start: faults from inside the nodes, steps sent
 * through a node's container, figures read from the nodes' saved logs, INFO or Docker stats, a cluster shape of its
 * own. Empty when nothing stands in the way. Pure.
 */
export function existingObstacles(
  s: Pick<Scenario, "plan" | "steps" | "observe" | "expect">,
  packages: ReadonlyMap<string, { withoutNodeControl?: boolean }> = NEMESES,
): string[] {
  const out: string[] = [];
  const nemesis = s.plan.nemesis;
  if (typeof nemesis !== "string") out.push("its plan names no fault (the default faults act inside the nodes)");
  else {
    const inside = nemesis
      .split(",")
      .map((f) => f.trim())
      .filter((f) => f !== "" && f !== "none" && packages.get(f)?.withoutNodeControl !== true);
    if (inside.length)
      out.push(
        `its fault${inside.length > 1 ? "s" : ""} ${inside.join(", ")} act${inside.length > 1 ? "" : "s"} inside the nodes`,
      );
  }
  if (s.steps.length) out.push("its steps are sent from inside the nodes' containers");
  if (Object.keys(s.observe).length)
    out.push("it reads the nodes' saved logs or INFO, which only a cluster it starts leaves");
  if (s.expect.some((e) => e.figure === "peakMemoryMiB")) out.push("it reads memory peaks from Docker's stats");
  const shape = SHAPE_KEYS.filter((k) => s.plan[k] !== undefined);
  if (shape.length) out.push(`its plan shapes the cluster (${shape.join(", ")})`);
  return out;
}

/** "acknowledged writes lost > 0 and failed > 0" */
export function expectationText(s: Pick<Scenario, "expect" | "observe">): string {
  return s.expect
    .map(
      (e) =>
        `${BUILTIN_FIGURES[e.figure]?.label ?? s.observe[e.figure]?.label ?? e.figure} ${describeCondition(e.condition)}`,
    )
    .join(" and ");
}
