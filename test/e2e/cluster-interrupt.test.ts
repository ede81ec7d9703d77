import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { clusterSpecFromOptions } from "../../src/cluster/options.js";
import { startCluster } from "../../src/cluster/start.js";
import { cleanRun, leftovers } from "../../src/docker/cleanup.js";
import { dockerAvailable } from "../../src/docker/engine.js";
import { findNodeImage } from "../../src/image/images.js";

/** Set-up interrupted half-way, in-process (abort) and by a signal to the process, leaves nothing labelled. */
const image = process.env.SPLITBRAIN_TEST_IMAGE ?? (await findNodeImage("redis").catch(() => undefined))?.ref;
const required = process.env.SPLITBRAIN_REQUIRE_DOCKER === "1";
const docker = await dockerAvailable();
if (required && (!docker.ok || !image)) {
  throw new Error(
    `SPLITBRAIN_REQUIRE_DOCKER=1 but ${!docker.ok ? `Docker is unreachable (${docker.error})` : "no Redis node image (set SPLITBRAIN_TEST_IMAGE or run splitbrain image build --db redis --offline)"}`,
  );
}
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-interrupt-"));
const runIds: string[] = [];
const newRun = (what: string) => {
  const id = `e2e-interrupt-${what}-${process.pid}-${Date.now().toString(36)}`;
  runIds.push(id);
  return id;
};
const nothing = { containers: [], networks: [], volumes: [] };

describe.skipIf(!docker.ok || image === undefined)("interrupted cluster set-up", () => {
  afterAll(async () => {
    // Only if a test failed: do not let its leftovers outlive the suite.
    for (const id of runIds) await cleanRun(id).catch(() => undefined);
    rmSync(resultsRoot, { recursive: true, force: true });
  }, 60_000);

  it("aborted once the network and a node exist: set-up rejects and removes them", async () => {
    const runId = newRun("abort");
    const abort = new AbortController();
    let sawNode = false;
    const attempt = startCluster(clusterSpecFromOptions({ topology: "sentinel", dataSize: "64m" }), {
      runId,
      image: image as string,
      resultsDir: join(resultsRoot, runId),
      signal: abort.signal,
      log: (line) => {
        if (/^created n\d/.test(line) && !sawNode) {
          sawNode = true;
          abort.abort(new Error("test abort"));
        }
      },
    });
    await expect(attempt).rejects.toThrow(/test abort/);
    expect(sawNode).toBe(true);
    expect(await leftovers(runId)).toEqual(nothing);
  }, 60_000);

  it("SIGINT to a process in the middle of set-up: it cleans up and exits 2", async () => {
    const runId = newRun("sigint");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        fileURLToPath(new URL("./cluster-interrupt.child.ts", import.meta.url)),
        runId,
        image as string,
        join(resultsRoot, runId),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let existedAtSignal = { ...nothing } as Awaited<ReturnType<typeof leftovers>>;
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never created a node; output:\n${out}`)), 45_000);
      child.stdout.on("data", async (b: Buffer) => {
        out += b.toString();
        if (/created n\d/.test(out) && child.exitCode === null && !child.killed) {
          clearTimeout(timer);
          existedAtSignal = await leftovers(runId);
          child.kill("SIGINT");
          resolve();
        }
      });
      child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    });
    expect(await exited).toBe(2);
    expect(existedAtSignal.networks).toHaveLength(1);
    expect(existedAtSignal.containers.length).toBeGreaterThan(0);
    expect(out).not.toContain("cluster up");
    expect(await leftovers(runId)).toEqual(nothing);
  }, 90_000);
});
