import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanRun, leftovers } from "../../src/docker/cleanup.js";
import { dockerAvailable } from "../../src/docker/engine.js";
import { findNodeImage } from "../../src/image/images.js";

/**
 * SIGINT at many moments of a Sentinel set-up (network, six containers, servers, replication, Sentinels, health),
 * with the host kept busy, must leave nothing labelled with the run id. A single moment passed alone and failed
 * under a loaded full suite: creations still in flight when teardown listed the run's resources came afterwards.
 *
 * SPLITBRAIN_INTERRUPT_MOMENTS sets how many moments (default 5; `npm run test:interrupts` runs 20), spread evenly
 * from 0 to 8 s after set-up begins.
 */
const image = process.env.SPLITBRAIN_TEST_IMAGE ?? (await findNodeImage("redis").catch(() => undefined))?.ref;
const required = process.env.SPLITBRAIN_REQUIRE_DOCKER === "1";
const docker = await dockerAvailable();
if (required && (!docker.ok || !image)) {
  throw new Error(
    `SPLITBRAIN_REQUIRE_DOCKER=1 but ${!docker.ok ? `Docker is unreachable (${docker.error})` : "no Redis node image (set SPLITBRAIN_TEST_IMAGE or run splitbrain image build --db redis --offline)"}`,
  );
}
const moments = Math.max(2, Number(process.env.SPLITBRAIN_INTERRUPT_MOMENTS ?? 5));
const SPAN_MS = 8000;
const offsets = Array.from({ length: moments }, (_, i) => Math.round((i * SPAN_MS) / (moments - 1)));
/** Busy processes beside the test: the leak showed only on a loaded host. Each stops by itself after this. */
const LOAD_PROCESSES = 2;
const LOAD_BOUND_MS = moments * 30_000;

const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-interrupts-"));
const runIds: string[] = [];
const load: ChildProcess[] = [];
const child = fileURLToPath(new URL("./cluster-interrupt.child.ts", import.meta.url));

describe.skipIf(!docker.ok || image === undefined)(`SIGINT at ${moments} moments of set-up, under load`, () => {
  beforeAll(() => {
    for (let i = 0; i < LOAD_PROCESSES; i++) {
      load.push(
        spawn(
          process.execPath,
          ["-e", `const end = Date.now() + ${LOAD_BOUND_MS}; while (Date.now() < end) Math.sqrt(Math.random());`],
          {
            stdio: "ignore",
          },
        ),
      );
    }
  });

  afterAll(async () => {
    for (const p of load) p.kill("SIGKILL");
    // Only if a moment failed: its leftovers must not outlive the suite.
    for (const id of runIds) await cleanRun(id).catch(() => undefined);
    rmSync(resultsRoot, { recursive: true, force: true });
  }, 120_000);

  it.each(offsets)(
    "SIGINT %i ms after set-up begins: the process exits 2 and nothing labelled is left",
    async (offsetMs) => {
      const runId = `e2e-interrupts-${offsetMs}-${process.pid}-${Date.now().toString(36)}`;
      runIds.push(runId);
      const proc = spawn(
        process.execPath,
        ["--import", "tsx", child, runId, image as string, join(resultsRoot, runId)],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      proc.stdout.on("data", (b: Buffer) => (out += b.toString()));
      proc.stderr.on("data", (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`set-up never began; output:\n${out}`)), 60_000);
          const seen = () => {
            if (!out.includes("set-up begins")) return;
            clearTimeout(timer);
            proc.stdout.off("data", seen);
            resolve();
          };
          proc.stdout.on("data", seen);
          proc.on("exit", () => reject(new Error(`child exited before set-up began; output:\n${out}`)));
        });
        await new Promise((r) => setTimeout(r, offsetMs));
        const reached = out.trim().split("\n").at(-1);
        proc.kill("SIGINT");
        const code = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 150_000))]);
        expect(code, `interrupted at "${reached}"; output:\n${out}`).toBe(2);
        expect(out).not.toMatch(/cleanup failed/);
        expect(await leftovers(runId), `interrupted at "${reached}"`).toEqual({
          containers: [],
          networks: [],
          volumes: [],
        });
      } finally {
        if (proc.exitCode === null) proc.kill("SIGKILL");
      }
    },
    240_000,
  );
});
