import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Target } from "../../src/core/cluster.js";
import type { Nemesis } from "../../src/nemesis/nemesis.js";
import { createRunDir } from "../../src/rundir/paths.js";
import { Progress } from "../../src/runner/progress.js";
import { armFaults, closeRun, type Recording, type Run } from "../../src/runner/run.js";
import { TARGET_KINDS, targetKindFor } from "../../src/target/index.js";
import { FakeCluster } from "./nemesis-fakes.js";
import { testRecord } from "./report-fixture.js";

/** The runner's closing phase against a fake target: no Docker, the phase alone. */

const root = mkdtempSync(join(tmpdir(), "splitbrain-phases-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

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

function fakeTarget(teardown: () => Promise<void>): Target & { tornDown: number } {
  const cluster = new FakeCluster("sentinel", 3, 1);
  const t = {
    kind: "fake",
    cluster,
    allows: { nodeControl: true, resourceStats: false },
    allNodes: [...cluster.nodes, ...cluster.sentinels],
    record: () => ({ nodes: [] }),
    waitHealthy: async () => undefined,
    tornDown: 0,
    teardown: async () => {
      t.tornDown++;
      await teardown();
    },
  };
  return t;
}

function fakeRun(name: string, nemeses: Nemesis[] = []): Run & { lines: string[] } {
  const lines: string[] = [];
  const out = { write: (s: string) => lines.push(s.trimEnd()), isTTY: false } as unknown as NodeJS.WriteStream;
  const test = testRecord([]);
  return {
    plan: test.plan,
    hooks: {},
    progress: new Progress(out),
    runId: test.runId,
    dir: createRunDir(root, name),
    test,
    workloads: new Map(),
    nemeses,
    lines,
  };
}

const recording = (): Recording => ({ counts: { ok: 0, fail: 0, info: 0 } });

describe("closeRun", () => {
  it("after an error, says a failing teardown instead of replacing the error, and test.json says why the run stopped", async () => {
    const run = fakeRun("after-error");
    const target = fakeTarget(async () => {
      throw new Error("still labelled with run x; remove it with: splitbrain clean --run x");
    });
    await closeRun(run, armFaults(run, target), recording(), {
      error: new Error("fault partition cannot run here\nmore"),
    });
    expect(target.tornDown).toBe(1);
    expect(run.lines).toContain(
      "teardown failed too: still labelled with run x; remove it with: splitbrain clean --run x",
    );
    const saved = JSON.parse(readFileSync(run.dir.testPath, "utf8")) as { startFailed?: string };
    expect(saved.startFailed).toBe("fault partition cannot run here");
  });

  it("without an error, a failing teardown is the run's error", async () => {
    const run = fakeRun("teardown-only");
    const target = fakeTarget(async () => {
      throw new Error("daemon went away");
    });
    await expect(closeRun(run, armFaults(run, target), recording())).rejects.toThrow("daemon went away");
    expect(JSON.parse(readFileSync(run.dir.testPath, "utf8")).startFailed).toBeUndefined();
  });

  it("heals once more on the way out and records what it could not heal, with what teardown made of it", async () => {
    const run = fakeRun("heal-fails", [stuck]);
    await closeRun(
      run,
      armFaults(
        run,
        fakeTarget(async () => undefined),
      ),
      recording(),
    );
    expect(run.test.healFailures).toHaveLength(1);
    expect(run.test.healFailures![0]).toMatchObject({ nemesis: "stuck", at: "teardown" });
    expect(run.lines.some((l) => l.includes("stuck"))).toBe(true);
  });
});

describe("target kinds", () => {
  it("serve every plan today by a cluster started in Docker, the last kind listed", () => {
    expect(targetKindFor(testRecord([]).plan).name).toBe("docker");
    expect(TARGET_KINDS.at(-1)!.name).toBe("docker");
  });
});
