import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { SequencedRun } from "../../src/compare/sequence.js";
import { packageRoot } from "../../src/core/paths.js";
import { leftovers } from "../../src/docker/cleanup.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { spawnMerged } from "./support/spawn.js";

/**
 * `--shard` on compare and audit, and their merge: two targets (compare) and two cells (audit) over two shards each,
 * the four shards run at once as four CI machines would, then merged; the merged statistics hold every run. Short
 * single-node runs with no fault: the sharding is under test, not the settings.
 */
const env = await e2eEnvironment({ db: "redis" });
const work = mkdtempSync(join(tmpdir(), "splitbrain-e2e-shard-"));
const BIN = join(packageRoot, "bin", "splitbrain.js");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The comparison both shards and the refused case ask for: two fsync policies with AOF on. */
const PAIR = ["--appendonly", "yes", "--against", "appendfsync=always", "--against", "appendfsync=everysec"];

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return spawnMerged(process.execPath, [BIN, ...args], { cwd: work });
}

const only = (dir: string) => join(dir, readdirSync(dir)[0]!);
const SHORT = [
  "--topology",
  "single",
  "--workload",
  "set",
  "--nemesis",
  "none",
  "--time-limit",
  "3",
  "--recovery-time",
  "1",
];

describeE2e("compare and audit --shard, then merge", env, () => {
  it("four shards at once; each merge holds every run and its statistics", async () => {
    const image = env.image ? ["--image", env.image] : [];
    const compare = (k: number) =>
      cli(["compare", ...SHORT, ...image, ...PAIR, "--seed", "11", "--shard", `${k}/2`, "--results", `compare-${k}`]);
    const audit = (k: number) =>
      cli([
        "audit",
        ...SHORT,
        ...image,
        "--appendonly",
        "yes",
        "--matrix",
        "appendfsync=always,everysec",
        "--repeat",
        "1",
        "--seed",
        "12",
        "--shard",
        `${k}/2`,
        "--results",
        `audit-${k}`,
      ]);
    const shards = await Promise.all([compare(1), compare(2), audit(1), audit(2)]);
    for (const s of shards) expect(s.code, s.out).toBe(0);

    // Without --seed each machine would draw its own plan: refused before anything starts.
    const refused = await cli(["compare", ...SHORT, ...PAIR, "--shard", "1/2"]);
    expect(refused.code).toBe(3);
    expect(refused.out).toContain("--shard needs --seed");

    for (const kind of ["compare", "audit"] as const) {
      const dirs = [1, 2].map((k) => only(join(work, `${kind}-${k}`)));
      const part = JSON.parse(readFileSync(join(dirs[0]!, "shard.json"), "utf8")) as {
        runs: string[];
        allRuns: string[];
      };
      expect(part.runs.length).toBe(1);
      expect(part.allRuns.length).toBe(2);
      const merged = await cli(["merge", ...dirs, "--out", `${kind}-merged`]);
      expect(merged.code, merged.out).toBe(0);
      const json = JSON.parse(readFileSync(join(work, `${kind}-merged`, `${kind}.json`), "utf8")) as {
        runs: SequencedRun[];
        targets: Array<{ label: string; completed: number; planned: number }>;
      };
      expect(json.runs.map((r) => r.status)).toEqual(["done", "done"]);
      expect(json.runs.map((r) => r.label).sort()).toEqual(["appendfsync=always", "appendfsync=everysec"]);
      expect(json.targets.map((t) => [t.completed, t.planned])).toEqual([
        [1, 1],
        [1, 1],
      ]);
      const html = readFileSync(join(work, `${kind}-merged`, `${kind}.html`), "utf8");
      expect(html).toContain("merged from 2 shard(s) of plan");
      for (const r of json.runs) {
        expect(r.runDir!.startsWith(join(work, `${kind}-merged`))).toBe(true);
        const test = JSON.parse(readFileSync(join(r.runDir!, "test.json"), "utf8")) as { runId: string };
        expect(await leftovers(test.runId)).toEqual({ containers: [], networks: [], volumes: [] });
      }
    }
    // An audit's shards are not a compare's: refused, naming the field.
    const mixed = await cli(["merge", only(join(work, "compare-1")), only(join(work, "audit-2")), "--out", "mixed"]);
    expect(mixed.code).toBe(3);
    expect(mixed.out).toMatch(/not the same plan: kind differs \(compare vs audit\)/);
  }, 300_000);
});
