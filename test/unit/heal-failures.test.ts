import { describe, expect, it } from "vitest";
import { NEMESES } from "../../nemeses/index.js";
import { createHealer } from "../../src/nemesis/driver.js";
import type { Nemesis } from "../../src/nemesis/nemesis.js";
import { renderReport } from "../../src/report/render.js";
import { loadRunData } from "../../src/report/runData.js";
import { afterTeardown, healFailureLines, mayStillBeInPlace, recordHeal } from "../../src/rundir/healFailures.js";
import { readTestRecord } from "../../src/runner/checkRun.js";
import { FakeCluster, fakeContext } from "./nemesis-fakes.js";
import { partitionArgs, partitionedSetHistory, testRecord, writeRunDir } from "./report-fixture.js";

/** A fault whose heal always fails and that says nothing about what it leaves: the failure falls back to describe(). */
const stuck: Nemesis = {
  name: "stuck",
  fs: { start: "start-stuck", stop: "stop-stuck" },
  perf: { label: "stuck", colour: "#000000" },
  start: async () => undefined,
  stop: async () => undefined,
  healAll: async () => {
    throw new Error("n2: docker exec answered 500");
  },
  describe: () => "stuck (a fault for tests)",
};

/** A real partition whose heal script fails on n2: the failure names the iptables chain it may leave. */
async function failedHeals() {
  const cluster = new FakeCluster("sentinel", 3, 1);
  cluster.node("n2").failOn = "SPLITBRAIN";
  const heal = createHealer([NEMESES.get("partition")!.create({}), stuck], fakeContext(cluster));
  return heal();
}

describe("heal failures", () => {
  it("carry what the nemesis says may remain, or its description when it says nothing", async () => {
    const failures = await failedHeals();
    expect(failures.map((f) => f.nemesis)).toEqual(["partition", "stuck"]);
    expect(failures[0]!.error).toMatch(/n2/);
    expect(failures[0]!.mayRemain).toMatch(/iptables chain SPLITBRAIN/);
    expect(failures[1]!.mayRemain).toBe("whatever stuck (a fault for tests) changed");
  });

  it("every fault of the registry says what a failed heal may leave", () => {
    for (const pkg of NEMESES.values()) expect(pkg.create({}).mayRemain?.(), pkg.name).toMatch(/\w{3}/);
  });

  it("a fault healed by the heal before teardown is marked healed; the others get teardown's outcome", async () => {
    const failures = await failedHeals();
    const afterWorkload = recordHeal([], failures, "heal");
    const beforeTeardown = recordHeal(
      afterWorkload,
      failures.filter((f) => f.nemesis === "stuck"),
      "teardown",
    );
    const removed = afterTeardown(beforeTeardown, "removed", "run-1");
    expect(removed.map((r) => [r.nemesis, r.at, r.outcome])).toEqual([
      ["partition", "heal", "healed by the heal before teardown"],
      ["stuck", "heal", "teardown removed the containers, and the fault went with them"],
      ["stuck", "teardown", "teardown removed the containers, and the fault went with them"],
    ]);
    expect(mayStillBeInPlace(removed)).toEqual([]);
    const kept = afterTeardown(beforeTeardown, "kept", "run-1");
    expect(mayStillBeInPlace(kept).map((r) => r.nemesis)).toEqual(["stuck", "stuck"]);
    expect(healFailureLines(kept)[2]).toBe(
      "could not heal stuck (before teardown): n2: docker exec answered 500; may remain: whatever stuck (a fault for tests) changed; " +
        "the cluster was kept (--keep), so it may still be in place; remove the cluster with: splitbrain clean --run run-1",
    );
  });

  it("record what became of each failure as a field, and still read older test.json records that only have the words", async () => {
    const failures = await failedHeals();
    const kept = afterTeardown(
      recordHeal(recordHeal([], failures, "heal"), failures.slice(1), "teardown"),
      "kept",
      "run-1",
    );
    expect(kept.map((r) => r.fate)).toEqual(["healed", "kept", "kept"]);
    expect(afterTeardown(recordHeal([], failures, "heal"), "failed", "run-1").map((r) => r.fate)).toEqual([
      "teardown-failed",
      "teardown-failed",
    ]);
    const older = kept.map(({ fate: _, ...r }) => r);
    expect(mayStillBeInPlace(older).map((r) => r.nemesis)).toEqual(["stuck", "stuck"]);
    expect(
      mayStillBeInPlace(
        afterTeardown(recordHeal([], failures, "heal"), "removed", "run-1").map(({ fate: _, ...r }) => r),
      ),
    ).toEqual([]);
  });

  it("reach test.json and the report: a warning beside the verdict with what may remain and the clean command", async () => {
    const test = testRecord(partitionArgs);
    test.healFailures = afterTeardown(recordHeal([], await failedHeals(), "teardown"), "failed", test.runId);
    const run = await writeRunDir(test, partitionedSetHistory({ elements: 20, lost: 0 }));
    expect(readTestRecord(run.dir).healFailures).toEqual(test.healFailures);

    const html = renderReport(await loadRunData(run.dir));
    const box = /<aside class="warning" id="heal-failures">.*?<\/aside>/s.exec(html)?.[0] ?? "";
    expect(html.indexOf(box)).toBeGreaterThan(html.indexOf("</header>") - 1);
    expect(html.indexOf(box)).toBeLessThan(html.indexOf('<section id="setup">'));
    expect(box).toContain("A fault may still be in place");
    expect(box).toContain("<b>partition</b> (heal before teardown)");
    expect(box).toMatch(/May remain: the iptables chain SPLITBRAIN/);
    expect(box).toContain("teardown failed, so it may still be in place");
    expect(box).toContain(`<code class="cmd">splitbrain clean --run ${test.runId}</code>`);
  });

  it("say in the report that the fault went with the containers when teardown removed them", async () => {
    const test = testRecord(partitionArgs);
    test.healFailures = afterTeardown(recordHeal([], await failedHeals(), "heal"), "removed", test.runId);
    const html = renderReport(
      await loadRunData((await writeRunDir(test, partitionedSetHistory({ elements: 20, lost: 0 }))).dir),
    );
    expect(html).toContain("A heal failed");
    expect(html).toContain("teardown removed the containers, and the fault went with them");
    expect(html).not.toContain("splitbrain clean --run");
  });

  it("a run whose heals all succeeded has no warning", async () => {
    const run = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory({ elements: 20, lost: 0 }));
    expect(renderReport(await loadRunData(run.dir))).not.toContain('class="warning"');
  });
});
