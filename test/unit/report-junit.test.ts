import { describe, expect, it } from "vitest";
import { junitXml } from "../../src/report/junit.js";
import { checkHistory } from "../../src/runner/checkRun.js";
import { HistoryBuilder, partitionArgs, partitionedSetHistory, testRecord } from "./report-fixture.js";

describe("JUnit: one test case per checker per run", () => {
  it("makes lost writes a failure carrying the anomaly summary, and points at the report", async () => {
    const test = testRecord(partitionArgs);
    const results = await checkHistory(partitionedSetHistory({ elements: 40, lost: 2 }), test);
    const xml = junitXml([{ test, results, dir: "/runs/a" }]);
    expect(xml).toContain('<testsuites name="splitbrain" tests="1" failures="1" errors="0">');
    expect(xml).toContain('name="set/set"');
    expect(xml).toContain(
      '<failure message="2 element(s) lost" type="anomalies">2 element(s) lost\nlost (2):\n  set:{0} 14\n  set:{0} 15',
    );
    expect(xml).toContain("report: /runs/a/report.html");
    expect(xml).toContain('<property name="seed" value="42"/>');
  });

  it("passes a valid checker and makes unknown an error, never a pass", async () => {
    const valid = testRecord(partitionArgs);
    const ok = await checkHistory(partitionedSetHistory({ elements: 10, lost: 0 }), valid);
    const h = new HistoryBuilder()
      .add(0, 0, "invoke", "add", { key: "s", value: "1" })
      .add(1, 0, "ok", "add", { key: "s", value: "1" });
    h.add(2, 0, "invoke", "final-read", { key: "s" }).add(3, 0, "fail", "final-read", { key: "s" });
    const unknownTest = testRecord(["workload", "set", "nemesis", "none"]);
    const unknown = await checkHistory(h.ops, unknownTest);
    const xml = junitXml([
      { test: valid, results: ok, dir: "/runs/a" },
      { test: unknownTest, results: unknown, dir: "/runs/b" },
    ]);
    expect(xml).toContain('<testsuites name="splitbrain" tests="2" failures="0" errors="1">');
    expect(xml).toMatch(/name="set\/set" time="0.000"><\/testcase>/);
    expect(xml).toContain('<error message="unknown: no final read succeeded');
  });

  it("escapes markup and drops characters XML cannot carry", async () => {
    const test = testRecord(partitionArgs);
    const results = await checkHistory(partitionedSetHistory({ elements: 40, lost: 2, hostile: 'a<b>&"\u0001' }), test);
    results.checkers[0]!.result.reason = 'lost <x> & "y"\u0000';
    const xml = junitXml([{ test, results, dir: "/r" }]);
    expect(xml).toContain('message="lost &lt;x&gt; &amp; &quot;y&quot;"');
    expect(xml).not.toContain("\u0000");
    expect(xml).not.toContain("<x>");
  });
});
