import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { leftovers } from "../../src/docker/cleanup.js";
import { Progress } from "../../src/runner/progress.js";
import { findScenario, loadScenarios } from "../../src/scenario/loader.js";
import { runScenario, SCENARIO_FILE, type ScenarioRecord } from "../../src/scenario/run.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";

/**
 * One catalogue scenario end to end, shortened through overrides as a user would (`scenario run ... --time-limit`):
 * the split-brain scenario on real Redis loses acknowledged writes, and its run directory says so in scenario.json.
 */
const env = await e2eEnvironment({ db: "redis" });
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-scenario-"));
const quiet = new Progress({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);

afterAll(() => rmSync(resultsRoot, { recursive: true, force: true }));

describeE2e("scenario run on real Redis", env, () => {
  it("split-brain-isolated-primary, shortened: the isolated primary's acknowledged writes are lost, as expected", async () => {
    const s = findScenario(loadScenarios(), "split-brain-isolated-primary");
    const { outcome, record } = await runScenario(s, {
      results: resultsRoot,
      progress: quiet,
      // One partition from 4 s to 12 s: long enough for Sentinel (down-after 3 s) to promote a replica.
      overrides: {
        timeLimit: "14",
        nemesisInterval: "4",
        recoveryTime: "3",
        dataSize: "64m",
        ...(env.image ? { image: env.image } : {}),
      },
    });
    expect(record.outcome).toBe("matched");
    const lost = record.observed.values.lostAcknowledged;
    expect(typeof lost === "number" && lost > 0).toBe(true);
    expect(record.conditions[0]!.observed).toBe(`${lost} lost`);
    const saved = JSON.parse(readFileSync(join(outcome.dir.path, SCENARIO_FILE), "utf8")) as ScenarioRecord;
    expect(saved.scenario).toBe("split-brain-isolated-primary");
    expect(saved.overrides.timeLimit).toBe("14");
    expect(existsSync(join(outcome.dir.path, "history.jsonl.gz"))).toBe(true);
    const runId = (JSON.parse(readFileSync(join(outcome.dir.path, "test.json"), "utf8")) as { runId: string }).runId;
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 180_000);
});
