import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { leftovers } from "../../src/docker/cleanup.js";
import type { SuiteJson } from "../../src/scenario/suiteFiles.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { spawnMerged } from "./support/spawn.js";

/**
 * The nightly recipe of docs/nightly.md, run here as its workflow runs it: the same scripts (docs/nightly/*.sh), the
 * same environment variables. Night one: two shards of a two-scenario suite (one given SHARD, one given Kubernetes'
 * JOB_COMPLETION_INDEX), run at once as a job matrix would, then merged into one report. Night two: one shard against
 * night one as the baseline. Then a baseline whose outcome differs, to see the merge fail on it. The scenarios are
 * tiny files of this test (a single node, no fault, 3 s of workload): the recipe is under test, not Redis.
 */
const env = await e2eEnvironment({ db: "redis" });
const work = mkdtempSync(join(tmpdir(), "splitbrain-e2e-nightly-"));
const SCRIPTS = join(packageRoot, "docs", "nightly");
const SPLITBRAIN = `node ${join(packageRoot, "bin", "splitbrain.js")}`;

afterAll(() => rmSync(work, { recursive: true, force: true }));

function scenario(name: string, concurrency: number): object {
  return {
    name,
    question: `Does a single node with no fault keep every acknowledged write (${concurrency} clients)?`,
    engines: ["redis"],
    plan: { topology: "single", workload: "set", concurrency, timeLimit: 3, recoveryTime: 1 },
    expect: { lostAcknowledged: "0" },
    reasoning: ["Nothing fails, so nothing acknowledged may vanish."],
    docs: [
      { title: "Redis persistence", url: "https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/" },
    ],
  };
}

function script(
  name: string,
  vars: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; out: string }> {
  return spawnMerged("bash", [join(SCRIPTS, name), ...args], { cwd: work, env: { SPLITBRAIN, ...vars } });
}

const readSuite = (dir: string) => JSON.parse(readFileSync(join(dir, "suite.json"), "utf8")) as SuiteJson;
const testcases = (dir: string) => (readFileSync(join(dir, "junit.xml"), "utf8").match(/<testcase /g) ?? []).length;

async function noLeftovers(suite: SuiteJson): Promise<void> {
  for (const r of suite.rows) {
    const test = JSON.parse(readFileSync(join(r.runDir!, "test.json"), "utf8")) as { runId: string };
    expect(await leftovers(test.runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }
}

describeE2e("the nightly recipe's own steps (docs/nightly/*.sh)", env, () => {
  it("two shards merge into one report of two test cases; a later night reports against it as baseline", async () => {
    mkdirSync(join(work, "scenarios"));
    for (const [name, n] of [
      ["nightly-tiny-a", 2],
      ["nightly-tiny-b", 3],
    ] as const)
      writeFileSync(join(work, "scenarios", `${name}.json`), JSON.stringify(scenario(name, n)));
    const suiteArgs = ["--only", "nightly-tiny-a,nightly-tiny-b"];

    // The image step: nothing to build when the image is there, and no cache file given.
    const images = await script("images.sh", { ENGINES: "redis" });
    expect(images.code, images.out).toBe(0);

    const [one, two] = await Promise.all([
      script("shard.sh", { SHARD: "1/2", RESULTS: "shards/shard-1" }, suiteArgs),
      script("shard.sh", { JOB_COMPLETION_INDEX: "1", SHARDS: "2", RESULTS: "shards/shard-2" }, suiteArgs),
    ]);
    expect(one.code, one.out).toBe(0);
    expect(two.code, two.out).toBe(0);
    expect(two.out).toContain("shard 2/2 exited 0");

    const merged = await script("merge.sh", { SHARDS_DIR: "shards", OUT: "night-1" });
    expect(merged.code, merged.out).toBe(0);
    expect(merged.out).toContain("no baseline");
    const night1 = join(work, "night-1");
    const s1 = readSuite(night1);
    expect(s1.rows.map((r) => [r.scenario, r.status])).toEqual([
      ["nightly-tiny-a", "matched"],
      ["nightly-tiny-b", "matched"],
    ]);
    expect(testcases(night1)).toBe(2);
    // Each run's report is linked from the merged page and was copied next to it.
    const html = readFileSync(join(night1, "suite.html"), "utf8");
    for (const r of s1.rows) {
      expect(r.runDir!.startsWith(night1)).toBe(true);
      expect(existsSync(join(r.runDir!, "report.html"))).toBe(true);
      expect(html).toContain(`${r.runDir!.split("/").pop()}/report.html`);
      expect(typeof r.figures?.availabilityOps).toBe("number");
    }
    await noLeftovers(s1);

    // Night two, on one machine (n may change from night to night), against night one.
    const again = await script("shard.sh", { SHARD: "1/1", RESULTS: "night-2-shards/shard-1" }, suiteArgs);
    expect(again.code, again.out).toBe(0);
    const second = await script("merge.sh", {
      SHARDS_DIR: "night-2-shards",
      OUT: "night-2",
      BASELINE: join(night1, "suite.json"),
    });
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain(`against ${join(night1, "suite.json")}`);
    expect(second.out).toContain("no scenario changed outcome (2 compared)");
    const s2 = readSuite(join(work, "night-2"));
    expect(s2.baseline?.unchanged).toBe(2);
    expect(s2.baseline?.figures.length).toBeGreaterThan(0);
    // One run a side: any figure that changed says it has no noise estimate, none claims a movement.
    expect(s2.baseline?.figures.every((f) => f.moved === null && /no noise estimate/.test(f.note))).toBe(true);
    expect(readFileSync(join(work, "night-2", "suite.html"), "utf8")).toContain("Since the baseline");
    await noLeftovers(s2);

    // A baseline in which one scenario differed: tonight's match is then a changed outcome, a JUnit failure.
    const edited = { ...s1, rows: s1.rows.map((r, i) => (i === 0 ? { ...r, status: "differs" as const } : r)) };
    writeFileSync(join(work, "edited-baseline.json"), JSON.stringify(edited));
    const changed = await script("merge.sh", {
      SHARDS_DIR: "night-2-shards",
      OUT: "night-2-changed",
      BASELINE: join(work, "edited-baseline.json"),
    });
    expect(changed.code, changed.out).toBe(1);
    expect(changed.out).toContain("OUTCOME CHANGED nightly-tiny-a: differs -> matched");
    const junit = readFileSync(join(work, "night-2-changed", "junit.xml"), "utf8");
    expect(junit).toMatch(/failures="1"/);
    expect(junit).toContain("outcome changed since the baseline (differs -&gt; matched)");
  }, 300_000);
});
