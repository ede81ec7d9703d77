import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { AuditCell } from "../../src/compare/audit.js";
import type { SequencedRun } from "../../src/compare/sequence.js";
import { leftovers } from "../../src/docker/cleanup.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";

/**
 * `compare` of two Redis settings and a 2x2 `audit`, end to end on real Redis (sentinel, the primary isolated):
 * every run completes, the tables on disk carry each run's numbers, and WAIT 2 with min-replicas-to-write 1 loses no
 * acknowledged write. Runs are short (5 s of workload); the numbers are measurements, so only what WAIT guarantees
 * is asserted, never how much the baseline loses.
 */
const env = await e2eEnvironment({ db: "redis" });
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-compare-"));
afterAll(() => rmSync(resultsRoot, { recursive: true, force: true }));

const SHORT = [
  "--time-limit",
  "5",
  "--nemesis-interval",
  "2",
  "--recovery-time",
  "0",
  "--down-after-ms",
  "1000",
  "--concurrency",
  "4",
  "--data-size",
  "64m",
  "--seed",
  "21",
  "--results",
  resultsRoot,
  ...(env.image ? ["--image", env.image] : []),
];

function outputDir(kind: string): string {
  const name = readdirSync(resultsRoot).find((d) => d.startsWith(`${kind}-`));
  expect(name, `${kind} output directory`).toBeDefined();
  return join(resultsRoot, name!);
}

const quietly = async (argv: string[]): Promise<number> => {
  const write = process.stderr.write.bind(process.stderr);
  let captured = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    captured += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(["node", "splitbrain", ...argv]);
    process.exitCode = undefined;
    return code;
  } finally {
    process.stderr.write = write;
    if (process.env.SPLITBRAIN_E2E_VERBOSE) write(captured);
  }
};

describeE2e("compare and audit on real Redis", env, () => {
  it("compare: two settings side by side, with lost writes, availability, latency and memory per node", async () => {
    const code = await quietly([
      "compare",
      "--measure",
      "--workload",
      "set",
      "--nemesis",
      "partition",
      "--partition",
      "isolate-primary",
      ...SHORT,
      "--against",
      "wait=0",
      "--against",
      "wait=2,min-replicas-to-write=1",
    ]);
    expect(code).toBe(0);
    const dir = outputDir("compare");
    const json = JSON.parse(readFileSync(join(dir, "compare.json"), "utf8")) as { seed: number; runs: SequencedRun[] };
    expect(json.seed).toBe(21);
    expect(json.runs.map((r) => [r.label, r.status])).toEqual([
      ["wait=0", "done"],
      ["wait=2,min-replicas-to-write=1", "done"],
    ]);
    const [base, safe] = json.runs.map((r) => r.figures!);
    for (const f of [base!, safe!]) {
      expect(f.ok).toBeGreaterThan(50);
      expect(typeof f.lostAcknowledged).toBe("number");
      expect(f.availability).toBeGreaterThan(0);
      expect(f.latency!.p99).toBeGreaterThanOrEqual(f.latency!.p50);
      expect(Object.keys(f.memoryPeak).sort()).toEqual(["n1", "n2", "n3", "s1", "s2", "s3"]);
      expect(Object.values(f.memoryPeak).every((b) => typeof b === "number" && b > 0)).toBe(true);
    }
    // WAIT 2 acknowledges a write only once both replicas have it, so whichever replica is promoted keeps it.
    expect(safe!.lostAcknowledged).toBe(0);
    const html = readFileSync(join(dir, "compare.html"), "utf8");
    expect(html).toContain(
      `<td class="${base!.lostAcknowledged! > 0 ? "bad" : "good"}">${base!.lostAcknowledged}</td>`,
    );
    expect(html).toContain(`<td class="good">0</td>`);
    for (const r of json.runs) expect(html).toContain(`href="${r.runDir!.split("/").pop()}/`);
  }, 240_000);

  it("audit: a 2x2 matrix of WAIT and min-replicas, one repeat, tabulated against the baseline", async () => {
    const code = await quietly([
      "audit",
      "--measure",
      "--matrix",
      "wait=0,2",
      "--matrix",
      "min-replicas-to-write=0,1",
      "--repeat",
      "1",
      ...SHORT,
    ]);
    expect(code).toBe(0);
    const dir = outputDir("audit");
    const json = JSON.parse(readFileSync(join(dir, "audit.json"), "utf8")) as {
      cells: AuditCell[];
      conclusion: string[];
      runs: SequencedRun[];
    };
    expect(json.cells.map((c) => [c.label, c.measured])).toEqual([
      ["wait=0 min-replicas-to-write=0", 1],
      ["wait=0 min-replicas-to-write=1", 1],
      ["wait=2 min-replicas-to-write=0", 1],
      ["wait=2 min-replicas-to-write=1", 1],
    ]);
    // The audit's default plan: the set workload under an isolated primary.
    expect(json.runs.every((r) => r.figures!.faults.every((f) => f.fault === "partition"))).toBe(true);
    for (const c of json.cells.filter((c) => c.label.startsWith("wait=2"))) expect(c.lostWorst).toBe(0);
    const html = readFileSync(join(dir, "audit.html"), "utf8");
    for (const c of json.cells) {
      expect(html).toContain(c.label);
      expect(html).toContain(`>${c.lostWorst}</td>`);
    }
    expect(json.conclusion.some((l) => l.includes("wait=2 min-replicas-to-write=1"))).toBe(true);
  }, 300_000);

  it("leaves nothing labelled with any of its runs behind", async () => {
    const runDirs = ["compare", "audit"].flatMap((kind) => {
      const dir = outputDir(kind);
      return readdirSync(dir)
        .filter((d) => /^\d{8}T\d{6}Z-/.test(d))
        .map((d) => join(dir, d));
    });
    expect(runDirs).toHaveLength(6);
    for (const d of runDirs) {
      const { runId } = JSON.parse(readFileSync(join(d, "test.json"), "utf8")) as { runId: string };
      const left = await leftovers(runId);
      expect([...left.containers, ...left.networks, ...left.volumes]).toEqual([]);
    }
  });
});
