import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { counterexampleSvg, selectWindow } from "../../src/checker/linearizable/drawing.js";
import { checkLinearizable } from "../../src/checker/linearizable/index.js";
import { main } from "../../src/cli/main.js";
import { UsageError } from "../../src/core/exit.js";
import { registerModel } from "../../src/models/register.js";
import { renderReport } from "../../src/report/render.js";
import { loadRunData } from "../../src/report/runData.js";
import { buildTimeline } from "../../src/report/timeline.js";
import { writeReport } from "../../src/report/write.js";
import { HistoryBuilder, partitionArgs, partitionedSetHistory, testRecord, writeRunDir } from "./report-fixture.js";

function verdictBlock(html: string): string {
  return html.slice(html.indexOf('<header class="verdict'), html.indexOf("</header>"));
}

describe("report: verdict first, in words, from the results", () => {
  it("names the lost writes, when they were acknowledged, the fault and the new primary", async () => {
    const run = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory({ elements: 40, lost: 2 }));
    expect(run.results.valid).toBe(false);
    const html = renderReport(await loadRunData(run.dir));
    const v = verdictBlock(html);
    expect(v).toContain('class="verdict invalid"');
    expect(v).toContain("Anomalies found");
    expect(v).toContain("2 acknowledged writes were lost");
    // Elements 14 and 15 (t = 1050, 1125 ms) were acknowledged by n1 after the partition started at 00:01.0.
    expect(v).toContain("acknowledged between 00:01.1 and 00:01.1");
    expect(v).toContain("after the partition isolating n1 at 00:01.0");
    expect(v).toContain("n2 began acknowledging writes at 00:01.5 instead of n1");
  });

  it("says valid and how many ops were checked when nothing was lost", async () => {
    const run = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory({ elements: 20, lost: 0 }));
    const v = verdictBlock(renderReport(await loadRunData(run.dir)));
    expect(run.results.valid).toBe(true);
    expect(v).toContain('class="verdict valid"');
    expect(v).toMatch(
      /No anomalies: every checker accepted the 2\d client operations recorded under 1 fault \(partition\)/,
    );
  });

  it("explains unknown by the checker's reason (the final read failed)", async () => {
    const h = new HistoryBuilder()
      .add(0, 0, "invoke", "add", { key: "set:{0}", value: "1" })
      .add(1, 0, "ok", "add", { key: "set:{0}", value: "1" });
    h.add(5, 0, "invoke", "final-read", { key: "set:{0}" }).add(1005, 0, "fail", "final-read", {
      key: "set:{0}",
      error: "NOREPLICAS",
    });
    const run = await writeRunDir(testRecord(["workload", "set", "nemesis", "none"]), h.ops);
    const v = verdictBlock(renderReport(await loadRunData(run.dir)));
    expect(run.results.valid).toBe("unknown");
    expect(v).toContain('class="verdict unknown"');
    expect(v).toContain("Unknown: set/set: no final read succeeded for 1 set(s)");
  });

  it("says not checked when results.json is missing, instead of guessing", async () => {
    const run = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory(), {}, { check: false });
    const v = verdictBlock(renderReport(await loadRunData(run.dir)));
    expect(v).toContain("Not checked");
    expect(v).toContain("splitbrain check");
  });
});

describe("report: hostile strings from logs and histories are escaped", () => {
  it("never lets a log line, key or element become markup", async () => {
    const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    const run = await writeRunDir(
      testRecord(partitionArgs),
      partitionedSetHistory({ elements: 40, lost: 2, hostile: evil }),
      {
        n1: { "db.log": `1:M 01 Jan 2026 00:00:01.000 * ${evil}\n`, [`evil<b>.txt`]: "x" },
      },
    );
    const html = renderReport(await loadRunData(run.dir));
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>.txt");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("evil&lt;b&gt;.txt");
  });

  it("makes no network request: no external src/href, and a CSP that forbids loading anything", async () => {
    const run = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory());
    const html = renderReport(await loadRunData(run.dir));
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).toContain(`content="default-src 'none'`);
  });
});

describe("report: anomalies are complete; who was primary is derived and sourced", () => {
  it("lists every lost element with acknowledgement and last-seen times", async () => {
    const run = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory({ elements: 40, lost: 2 }));
    const html = renderReport(await loadRunData(run.dir));
    // Elements 14 (t = 1050 ms, ack at 1051) and 15 (1125 ms); last seen by the read at i = 18 (1352 ms).
    expect(html).toContain("<tr><td>set:{0}<td>14<td>00:01.1<td>00:01.4<td>00:03.2");
    expect(html).toContain("<tr><td>set:{0}<td>15<td>00:01.1<td>00:01.4<td>00:03.2");
    expect(html).toContain("the node that acknowledged each ok write");
    expect(html).toMatch(/<td>n1<td>\d+\n<tr><td>[^<]+<td>n2<td>/);
  });

  it("reads Sentinel's +switch-master lines and names the nodes", async () => {
    const log = "27:X 01 Jan 2026 00:00:06.600 # +switch-master splitbrain 10.0.0.11 6379 10.0.0.12 6379\n";
    const run = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory(), { s1: { "sentinel.log": log } });
    const html = renderReport(await loadRunData(run.dir));
    // startedAt 00:00:00.000 + 5000 ms start-up: the switch is at 00:01.6 on the run clock.
    expect(html).toContain("<tr><td>01 Jan 2026 00:00:06.600<td>≈ 00:01.6<td>n1<td>n2<td>s1");
  });

  it("folds a long table behind <details> with its count but keeps every row", async () => {
    const run = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory({ elements: 2000, lost: 300 }));
    const html = renderReport(await loadRunData(run.dir));
    expect(run.results.checkers[0]!.result.valid).toBe(false);
    expect(html).toContain("<summary>Lost elements: 300 rows (click to show all)</summary>");
    expect(html.match(/<tr><td>set:\{0\}<td>\d+<td>/g)).toHaveLength(300);
  });
});

describe("report: phases and fault intervals come from the recorded nemesis ops", () => {
  it("cuts the run at the partition's ok start and stop and counts ops per phase", () => {
    const t = buildTimeline(partitionedSetHistory({ elements: 40, lost: 2 }), [
      { name: "partition", label: "partition", colour: "#f00", start: "start-partition", stop: "stop-partition" },
    ]);
    expect(t.faults).toHaveLength(1);
    expect(t.faults[0]).toMatchObject({
      fault: "partition",
      from: 1040e6,
      to: 2020e6,
      closedBy: "stop",
      uncertain: false,
    });
    expect(t.phases.map((p) => p.name)).toEqual(["before partition", "during partition", "after partition"]);
    const total = t.phases.reduce((n, p) => n + p.ok + p.fail + p.info, 0);
    expect(total).toBe(t.ops.length);
  });

  it("closes a fault that was never stopped at the heal and marks an indeterminate start", () => {
    const h = new HistoryBuilder()
      .add(0, 0, "invoke", "add", { key: "k", value: 1 })
      .add(100, "nemesis", "invoke", "start-kill")
      .add(150, "nemesis", "info", "start-kill", { error: "timeout" })
      .add(200, 0, "ok", "add", { key: "k", value: 1 })
      .add(500, "nemesis", "invoke", "heal")
      .add(600, "nemesis", "ok", "heal");
    const t = buildTimeline(h.ops, []);
    expect(t.faults).toEqual([
      expect.objectContaining({ fault: "kill", from: 100e6, to: 600e6, uncertain: true, closedBy: "heal" }),
    ]);
  });
});

describe("report: linearizability counterexample drawn from the checker's result", () => {
  it("draws the prefix, the op that cannot be linearized, and the state", async () => {
    const h = new HistoryBuilder(false)
      .add(0, 0, "invoke", "write", { key: "r", value: 1 })
      .add(0, 0, "ok", "write", { key: "r", value: 1 })
      .add(0, 1, "invoke", "read", { key: "r" })
      .add(0, 1, "ok", "read", { key: "r", value: 2 });
    const r = await checkLinearizable(h.ops, registerModel, { workers: 1 });
    expect(r.valid).toBe(false);
    const c = r.anomalies[0]!;
    const svg = counterexampleSvg(c);
    expect(svg).toContain('class="op lin"');
    expect(svg).toContain('class="op blocked"');
    expect(svg).toContain("1. write &quot;1&quot;");
    expect(svg).toContain("impossible in state &quot;1&quot;");
    expect(
      selectWindow(c)
        .map((o) => o.id)
        .sort(),
    ).toEqual([0, 2]);
  });
});

describe("splitbrain report <run-dir>", () => {
  it("rebuilds report.html in the directory", async () => {
    const run = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory());
    const path = await writeReport(run.dir);
    expect(path).toBe(join(run.dir, "report.html"));
    expect(readFileSync(path, "utf8")).toMatch(/^<!DOCTYPE html>/);
  });

  it("refuses a directory that is not a run with a UsageError and exit 3", async () => {
    await expect(loadRunData("/tmp")).rejects.toBeInstanceOf(UsageError);
    await expect(loadRunData("/no/such/dir")).rejects.toThrow(/not a directory/);
    expect(await main(["node", "splitbrain", "report", "/tmp"])).toBe(3);
  });
});
