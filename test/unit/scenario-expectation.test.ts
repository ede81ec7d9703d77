import { describe, expect, it } from "vitest";
import { type Condition, decidedByLowerBound, holds, parseCondition } from "../../src/scenario/condition.js";
import { type Expectation, evaluationLines, judge } from "../../src/scenario/expectation.js";
import { countMatches, infoNumber } from "../../src/scenario/observe.js";
import { type SuiteRow, suiteExitCode, suiteHtml, suiteJunit, suiteTable } from "../../src/scenario/suite.js";

function cond(raw: unknown): Condition {
  const c = parseCondition(raw);
  if (typeof c === "string") throw new Error(c);
  return c;
}

describe("conditions", () => {
  it("parse comparisons, bare numbers and verdicts", () => {
    expect(cond(">0")).toMatchObject({ kind: "compare", op: ">", value: 0 });
    expect(cond(" >= 10 ")).toMatchObject({ op: ">=", value: 10 });
    expect(cond("0")).toMatchObject({ op: "=", value: 0 });
    expect(cond(0.5)).toMatchObject({ op: "=", value: 0.5 });
    expect(cond("<0.9")).toMatchObject({ op: "<", value: 0.9 });
    expect(cond(false)).toEqual({ kind: "equals", value: false, text: "false" });
    expect(cond("unknown")).toMatchObject({ kind: "equals", value: "unknown" });
    expect(parseCondition("lots")).toMatch(/is not a comparison/);
    expect(parseCondition("> ten")).toMatch(/is not a comparison/);
    expect(parseCondition({})).toMatch(/takes a comparison/);
  });

  it("hold or not", () => {
    expect(holds(cond(">0"), 1)).toBe("met");
    expect(holds(cond(">0"), 0)).toBe("not met");
    expect(holds(cond("<=3"), 3)).toBe("met");
    expect(holds(cond("0"), 0)).toBe("met");
    expect(holds(cond(false), false)).toBe("met");
    expect(holds(cond(false), "unknown")).toBe("not met");
    expect(holds(cond(">0"), true)).toBe("not met");
  });

  it("a lower bound decides only what more could not undo", () => {
    expect(decidedByLowerBound(cond(">0"), 5)).toBe(true);
    expect(decidedByLowerBound(cond(">0"), 0)).toBe(false);
    expect(decidedByLowerBound(cond("0"), 0)).toBe(false);
    expect(decidedByLowerBound(cond("0"), 3)).toBe(true);
    expect(decidedByLowerBound(cond("<10"), 12)).toBe(true);
  });
});

describe("judging an expectation", () => {
  const expectLoss: Expectation[] = [{ figure: "lostAcknowledged", condition: cond(">0") }];

  it("matches, and says it the way people read it", () => {
    const e = judge(expectLoss, { values: { lostAcknowledged: 418 }, lowerBound: [] });
    expect(e.outcome).toBe("matched");
    expect(evaluationLines(e)).toEqual(["expected: acknowledged writes lost > 0; observed: 418 lost -> met"]);
  });

  it("differs when any condition fails, even if others hold", () => {
    const e = judge([...expectLoss, { figure: "failed", condition: cond(">0") }], {
      values: { lostAcknowledged: 3, failed: 0 },
      lowerBound: [],
    });
    expect(e.outcome).toBe("differs");
    expect(e.conditions.map((c) => c.judgement)).toEqual(["met", "not met"]);
  });

  it("is undecided when a figure was not measured or is only a lower bound that cannot settle it", () => {
    expect(judge(expectLoss, { values: { lostAcknowledged: null }, lowerBound: [] }).outcome).toBe("undecided");
    const zero = judge([{ figure: "lostAcknowledged", condition: cond("0") }], {
      values: { lostAcknowledged: 0 },
      lowerBound: ["lostAcknowledged"],
    });
    expect(zero.outcome).toBe("undecided");
    expect(zero.conditions[0]!.observed).toBe("at least 0 lost");
    expect(zero.conditions[0]!.why).toMatch(/lower bound/);
    // A lower bound above zero already proves a loss.
    expect(judge(expectLoss, { values: { lostAcknowledged: 7 }, lowerBound: ["lostAcknowledged"] }).outcome).toBe(
      "matched",
    );
  });

  it("reads verdicts, ratios and custom figures", () => {
    const e = judge(
      [
        { figure: "linearizable", condition: cond(false) },
        { figure: "availability", condition: cond("<1") },
        { figure: "drops", condition: cond(">=2") },
      ],
      { values: { linearizable: false, availability: 0.873, drops: 4 }, lowerBound: [] },
      { drops: "replica links dropped" },
    );
    expect(e.outcome).toBe("matched");
    expect(e.conditions.map((c) => `${c.expected} | ${c.observed}`)).toEqual([
      "linearizable = false | not linearizable",
      "availability < 1 | 87.3%",
      "replica links dropped >= 2 | 4",
    ]);
  });
});

describe("observations from saved files", () => {
  it("counts matching log lines and reads numeric INFO fields", () => {
    const log = "a Full resync requested by replica x\nb nothing\nc Full resync requested by replica y\n";
    expect(countMatches(log, /Full resync requested/)).toBe(2);
    const info = "# Replication\r\nrole:master\r\nconnected_slaves:1\r\nmaster_repl_offset:12345\r\n";
    expect(infoNumber(info, "master_repl_offset")).toBe(12345);
    expect(infoNumber(info, "role")).toBeNull();
    expect(infoNumber(info, "missing")).toBeNull();
  });
});

describe("suite summary", () => {
  const row = (over: Partial<SuiteRow>): SuiteRow => ({
    scenario: "s",
    question: "q?",
    expected: "acknowledged writes lost > 0",
    repeat: 1,
    status: "matched",
    conditions: [
      {
        figure: "lostAcknowledged",
        expected: "acknowledged writes lost > 0",
        observed: "12 lost",
        value: 12,
        judgement: "met",
      },
    ],
    runDir: "/r/suite-x/20260101T000000Z-redis-single-abc",
    seconds: 61,
    ...over,
  });

  it("exits 1 when any outcome differs, 2 when a run failed or was undecided, else 0 (skips do not fail)", () => {
    expect(suiteExitCode([row({}), row({ status: "skipped", conditions: [] })])).toBe(0);
    expect(suiteExitCode([row({}), row({ status: "error", note: "boom" })])).toBe(2);
    expect(suiteExitCode([row({ status: "undecided" }), row({ status: "differs" })])).toBe(1);
  });

  it("renders one table row per run, HTML with links to each report, and JUnit with failures and skips", () => {
    const rows = [
      row({ scenario: "a" }),
      row({ scenario: "b<x>", status: "differs" }),
      row({ scenario: "c", status: "skipped", conditions: [], note: "needs the dragonfly node image" }),
    ];
    const table = suiteTable(rows).split("\n");
    expect(table[0]).toMatch(/^scenario\s+outcome\s+expected\s+observed\s+time$/);
    expect(table).toHaveLength(5);
    expect(table[3]).toMatch(/DIFFERS/);
    expect(table[4]).toMatch(/skipped.*needs the dragonfly node image/);
    const html = suiteHtml(rows, { startedAt: "t", seconds: 100, command: "splitbrain suite" });
    expect(html).toContain('href="20260101T000000Z-redis-single-abc/report.html"');
    expect(html).toContain("b&lt;x&gt;");
    expect(html).not.toContain("<script");
    const junit = suiteJunit(rows, 100);
    expect(junit).toMatch(/tests="3" failures="1" errors="0" skipped="1"/);
    expect(junit).toMatch(
      /<testcase classname="splitbrain.scenario" name="b&lt;x&gt;"[^]*<failure message="outcome differs/,
    );
    expect(junit).toMatch(/<skipped message="needs the dragonfly node image"\/>/);
  });
});
