import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkListAppend } from "../../src/checker/list-append/index.js";
import { cycleSvg, cycleTimeline, listAppendKind } from "../../src/checker/list-append/view.js";
import { loadHistory } from "../../src/history/read.js";
import { runCli } from "./support/spawn-cli.js";

/** An Elle-format history (Jepsen EDN, `:f :txn`): two transactions whose appends land in opposite orders (G0). */
const ELLE_G0 = `{:type :invoke, :f :txn, :value [[:append 1 1] [:append 2 1]], :process 0, :time 10, :index 0}
{:type :invoke, :f :txn, :value [[:append 1 2] [:append 2 2]], :process 1, :time 11, :index 1}
{:type :ok, :f :txn, :value [[:append 1 1] [:append 2 1]], :process 0, :time 20, :index 2}
{:type :ok, :f :txn, :value [[:append 1 2] [:append 2 2]], :process 1, :time 21, :index 3}
{:type :invoke, :f :txn, :value [[:r 1 nil] [:r 2 nil]], :process 2, :time 30, :index 4}
{:type :ok, :f :txn, :value [[:r 1 [1 2]] [:r 2 [2 1]]], :process 2, :time 40, :index 5}
`;

const dir = mkdtempSync(join(tmpdir(), "sb-la-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Elle-format EDN histories", () => {
  it("read as transactions and name the anomaly", async () => {
    const file = join(dir, "g0.edn");
    writeFileSync(file, ELLE_G0);
    const loaded = await loadHistory(file, "auto", { requireOps: true });
    expect(loaded.history[5]!.value).toEqual([
      ["r", 1, [1, 2]],
      ["r", 2, [2, 1]],
    ]);
    const r = checkListAppend(loaded.history);
    expect(r.counts).toEqual({ G0: 1 });
    const svg = cycleSvg(r.cycles[0]!);
    expect(svg).toContain("<svg");
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).toContain(">ww 1<");
    const html = listAppendKind.section!(r, { timed: true, byIndex: new Map() });
    expect(html).toContain("so T0 ww-&gt; T1");
    expect(listAppendKind.failureLines!(r).join("\n")).toContain("G0: T");
    const timed = {
      timed: true,
      byIndex: new Map([
        [0, { start: 10, end: 20 }],
        [1, { start: 11, end: undefined }],
      ]),
    };
    const timeline = cycleTimeline(r.cycles[0]!, timed);
    expect(timeline.match(/<rect/g)).toHaveLength(2);
    expect(timeline).toContain("never returned");
  });

  it("splitbrain check detects the model, exits 1 and explains the cycle; a weaker model changes nothing here", async () => {
    const file = join(dir, "g0-cli.edn");
    writeFileSync(file, ELLE_G0);
    const auto = await runCli(["check", file]);
    expect(auto.code).toBe(1);
    const out = auto.stdout.toString();
    expect(out).toContain("list-append, checked against strict-serializable");
    expect(out).toMatch(/T\d appended \d to key \d, and T\d appended \d right after it, so T\d ww-> T\d/);
    const json = await runCli(["check", file, "--model", "list-append", "--consistency", "read-committed", "--json"]);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout.toString());
    expect(parsed).toMatchObject({ checker: "list-append", consistency: "read-committed", prohibited: ["G0"] });
  });

  it("a malformed micro-op is refused as input (exit 3), not judged", async () => {
    const file = join(dir, "bad.edn");
    writeFileSync(file, ELLE_G0.replace("[:append 1 1] [:append 2 1]]", "[:push 1 1] [:append 2 1]]"));
    const r = await runCli(["check", file, "--model", "list-append"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("append or r");
  });
});
