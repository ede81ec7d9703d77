import { describe, expect, it } from "vitest";
import { compareWithBaseline, trendLines } from "../../src/scenario/baseline.js";
import { type SuiteRow, suiteExitCode, suiteHtml, suiteJunit } from "../../src/scenario/suite.js";

function row(scenario: string, status: SuiteRow["status"], figures: SuiteRow["figures"] = {}, repeat = 1): SuiteRow {
  return { scenario, question: "q?", expected: "e", repeat, status, conditions: [], figures };
}

const src = { source: "last/suite.json", startedAt: "2026-12-05T23:00:00.000Z" };

describe("suite --baseline", () => {
  it("finds a changed outcome and makes it a JUnit failure even when tonight matched", () => {
    const before = [row("a", "differs"), row("b", "matched")];
    const tonight = [row("a", "matched"), row("b", "matched")];
    const t = compareWithBaseline(tonight, before, src);
    expect(t.outcomes).toEqual([{ scenario: "a", before: "differs", after: "matched" }]);
    expect(t.unchanged).toBe(1);
    const junit = suiteJunit(tonight, 10, t);
    expect(junit).toMatch(/failures="1"/);
    expect(junit).toMatch(/<failure message="outcome changed since the baseline \(differs -&gt; matched\)">/);
    expect(suiteExitCode(tonight, t)).toBe(1);
    expect(suiteExitCode(tonight)).toBe(0);
    expect(suiteHtml(tonight, { startedAt: "x", seconds: 1, command: "c" }, t)).toContain("differs &rarr; matched");
  });

  it("does not call a skip or an error a changed outcome (they say something about the machine)", () => {
    const t = compareWithBaseline(
      [row("a", "skipped"), row("b", "error")],
      [row("a", "matched"), row("b", "matched")],
      src,
    );
    expect(t.outcomes).toEqual([]);
  });

  it("with one run a side, reports a moved figure as having no noise estimate, never as a movement", () => {
    const t = compareWithBaseline(
      [row("a", "matched", { lossWindowS: 3.5, lostFraction: 0.1 })],
      [row("a", "matched", { lossWindowS: 1.25, lostFraction: 0.1 })],
      src,
    );
    const lw = t.figures.find((f) => f.figure === "lossWindowS")!;
    expect(lw.moved).toBeNull();
    expect(lw.before).toBe("1.3 s");
    expect(lw.after).toBe("3.5 s");
    expect(lw.note).toMatch(/no noise estimate/);
    expect(t.figures.find((f) => f.figure === "lostFraction")!.note).toMatch(/^unchanged/);
    expect(trendLines(t).join("\n")).toMatch(
      /loss window 1.3 s -> 3.5 s \(changed; one run on each side: no noise estimate\)/,
    );
  });

  it("with repeats, says moved only when the permutation test separates the nights", () => {
    const rows = (vals: number[]) => vals.map((v, i) => row("a", "matched", { lossWindowS: v }, i + 1));
    const apart = compareWithBaseline(rows([8, 9, 10, 11]), rows([1, 2, 3, 4]), src);
    expect(apart.figures[0]!.moved).toBe(true);
    expect(apart.figures[0]!.note).toMatch(/moved up beyond run-to-run noise/);
    const mixed = compareWithBaseline(rows([1, 4, 2, 3]), rows([2, 3, 1, 4]), src);
    expect(mixed.figures[0]!.moved).toBe(false);
    const few = compareWithBaseline(rows([8, 9]), rows([1, 2]), src);
    expect(few.figures[0]!.moved).toBe(false);
    expect(few.figures[0]!.note).toMatch(/no difference could show/);
  });

  it("reports new engine versions and scenarios added or gone", () => {
    const t = compareWithBaseline(
      [row("a", "matched", { server: "redis 8.0.2" }), row("c", "matched")],
      [row("a", "matched", { server: "redis 7.0.15" }), row("b", "matched")],
      src,
    );
    expect(t.versions).toEqual([{ scenario: "a", before: "redis 7.0.15", after: "redis 8.0.2" }]);
    expect(t.added).toEqual(["c"]);
    expect(t.removed).toEqual(["b"]);
  });
});
