/**
 * What recording costs: ops/s the harness completes against a single Redis, every op recorded to a history file
 * as a run records it, next to `redis-benchmark` at the same concurrency without pipelining (issue 20's aim: the
 * harness reaches 0.8 of redis-benchmark's rate; a bare ioredis loop, measured alongside, is the ceiling). Needs
 * Docker, a local Redis node image and `redis-benchmark` on the PATH (redis-tools); all clients run on the host and
 * dial the same container address.
 *
 * Workload: `register` (50% GET, 25% SET, 25% compare-and-set by a Lua script), the default run's linearizable
 * workload, so the figure is what a real run gets. redis-benchmark runs `-t set,get` (its closest stock tests);
 * its rate is the combined SET+GET rate (requests over total time). The Lua CAS (EVALSHA) costs the server a little
 * more than a GET, so the comparison leans slightly against the harness.
 *
 * Each repetition measures both clients for WINDOW_MS, alternating which goes first so drift in the other load on
 * the machine hits both alike; rows report medians after one discarded warm-up repetition.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { Redis } from "ioredis";
import { type RunningCluster, startCluster } from "../src/cluster/start.js";
import { SeededRng } from "../src/core/rng.js";
import { engineOf } from "../src/db/engines.js";
import { defaultSpec } from "../src/db/spec.js";
import { cleanRun } from "../src/docker/cleanup.js";
import { HistoryWriter } from "../src/history/writer.js";
import { ensureNodeImage } from "../src/image/images.js";
import { ClientPool } from "../src/runner/clients.js";
import { monotonicClock } from "../src/runner/clock.js";
import type { RunCounts } from "../src/runner/progress.js";
import { CAS_SCRIPT, CAS_SHA, RegisterWorkload } from "../workloads/register.js";
import type { BenchRow } from "./index.js";

const run = promisify(execFile);

const WINDOW_MS = 3000;
/** Lets every process connect and the server's key space settle before the window opens. */
const RAMP_MS = 500;
const CONCURRENCIES = [10, 50] as const;
const WORKLOAD = "register";

interface HarnessSample {
  opsPerSec: number;
  /** Harness process CPU (user + system) over the window, as a share of one core. */
  cpu: number;
}

/** One window of the harness: a ClientPool of `concurrency` register processes, history streamed to a temp file. */
async function harnessWindow(
  cluster: RunningCluster,
  concurrency: number,
  dir: string,
  rep: string,
): Promise<HarnessSample> {
  const history = await HistoryWriter.create(join(dir, `history-${concurrency}-${rep}.jsonl.gz`));
  const counts: RunCounts = { ok: 0, fail: 0, info: 0 };
  const pool = new ClientPool({
    endpoints: cluster.endpoints,
    slots: Array.from({ length: concurrency }, () => WORKLOAD),
    workloads: new Map([[WORKLOAD, new RegisterWorkload()]]),
    opTimeoutMs: 1000,
    durability: { kind: "primary" },
    rate: undefined,
    seed: 42,
    clock: monotonicClock(),
    history,
    counts,
    nodeName: (addr) => {
      if (!addr) return undefined;
      const i = addr.lastIndexOf(":");
      return cluster.nodeByAddress(addr.slice(0, i), Number(addr.slice(i + 1)))?.name ?? addr;
    },
  });
  const done = (): number => counts.ok + counts.fail + counts.info;
  let sample: HarnessSample;
  try {
    pool.start();
    await sleep(RAMP_MS);
    const ops0 = done();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const ops1 = done();
    const cpu1 = process.cpuUsage(cpu0);
    const ms = performance.now() - t0;
    sample = { opsPerSec: ((ops1 - ops0) * 1000) / ms, cpu: (cpu1.user + cpu1.system) / 1000 / ms };
  } finally {
    await pool.stop();
    await history.close();
  }
  // The point of the comparison is that every op is recorded: an invoke and a completion line per op.
  const lines = gunzipSync(readFileSync(history.path))
    .toString("utf8")
    .split("\n")
    .filter((l) => l.length > 0);
  if (lines.length !== 2 * done())
    throw new Error(`history ${history.path} has ${lines.length} lines for ${done()} ops (expected ${2 * done()})`);
  // A healthy server leaves nothing indeterminate; the only refusals are compare-and-sets that found another value.
  const refused = lines
    .map((l) => JSON.parse(l) as { type: string; error?: string })
    .filter((op) => op.type === "info" || (op.type === "fail" && !op.error?.startsWith("cas:")));
  if (refused.length > 0) {
    throw new Error(
      `harness window at concurrency ${concurrency} had ${refused.length} unexpected fail/info ops against a healthy server, first: ${refused[0]!.error}`,
    );
  }
  return sample;
}

/**
 * The ceiling for any recording harness on this machine: the same register mix, one plain ioredis connection per
 * process, nothing recorded or classified. Measured in the same run because a loaded machine moves every figure.
 */
async function bareIoredisWindow(host: string, port: number, concurrency: number): Promise<number> {
  const clients = Array.from(
    { length: concurrency },
    () => new Redis({ host, port, enableAutoPipelining: false, maxRetriesPerRequest: 0 }),
  );
  let ops = 0;
  let stopping = false;
  const loop = async (c: Redis, slot: number): Promise<void> => {
    const rng = new SeededRng((42 + slot * 0x9e3779b1) >>> 0);
    while (!stopping) {
      const key = `register:{${rng.int(8)}}`;
      const roll = rng.next();
      if (roll < 0.5) await c.get(key);
      else if (roll < 0.75) await c.set(key, String(rng.int(5)));
      else await c.evalsha(CAS_SHA, 1, key, String(rng.int(5)), String(rng.int(5)));
      ops++;
    }
  };
  try {
    await Promise.all(clients.map((c) => c.ping()));
    // The harness runs its compare-and-set by digest too (workloads/register.ts).
    await clients[0]!.script("LOAD", CAS_SCRIPT);
    const loops = clients.map((c, i) => loop(c, i));
    await sleep(RAMP_MS);
    const ops0 = ops;
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const rate = ((ops - ops0) * 1000) / (performance.now() - t0);
    stopping = true;
    await Promise.all(loops);
    return rate;
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** redis-benchmark for about WINDOW_MS: SET then GET, `requests` each, same client count, one command in flight. */
async function redisBenchmark(host: string, port: number, concurrency: number, requests: number): Promise<number> {
  const args = [
    "-h",
    host,
    "-p",
    String(port),
    "-c",
    String(concurrency),
    "-P",
    "1",
    "-n",
    String(requests),
    "-r",
    "8",
    "-t",
    "set,get",
    "--csv",
  ];
  const { stdout } = await run("redis-benchmark", args, { timeout: 10 * WINDOW_MS + 30_000 });
  // --csv: a header, then one line per test whose second field is requests per second.
  const rps = stdout
    .split("\n")
    .filter((l) => /^"(SET|GET)"/.test(l))
    .map((l) => Number(JSON.parse(`[${l}]`)[1]));
  if (rps.length !== 2 || !rps.every((x) => x > 0))
    throw new Error(`could not read SET and GET rates from redis-benchmark output:\n${stdout}`);
  // Both tests ran `requests` requests: the combined rate is the harmonic mean of the two.
  return 2 / (1 / rps[0]! + 1 / rps[1]!);
}

async function hasRedisBenchmark(): Promise<boolean> {
  try {
    await run("redis-benchmark", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

export async function harnessBench(runs: number): Promise<BenchRow[]> {
  if (!(await hasRedisBenchmark())) {
    throw new Error(
      "redis-benchmark is not on the PATH: install redis-tools (apt-get install redis-tools) and run again",
    );
  }
  const image = await ensureNodeImage({ image: engineOf("redis").image });
  const runId = `bench-h-${Math.random().toString(36).slice(2, 8)}`;
  const resultsDir = mkdtempSync(join(tmpdir(), "splitbrain-bench-"));
  const rows: BenchRow[] = [];
  const summary: string[] = [];
  try {
    const cluster = await startCluster(defaultSpec({ topology: "single", image }), { runId, resultsDir });
    try {
      if (cluster.endpoints.kind !== "single")
        throw new Error(`expected single-node endpoints, got ${cluster.endpoints.kind}`);
      const { host, port } = cluster.endpoints;
      for (const concurrency of CONCURRENCIES) {
        const harness: HarnessSample[] = [];
        const rb: number[] = [];
        const bare: number[] = [];
        let requests = 20_000;
        for (let rep = 0; rep <= runs; rep++) {
          const harnessFirst = rep % 2 === 0;
          let h: HarnessSample | undefined;
          let r: number | undefined;
          let b: number | undefined;
          for (const which of harnessFirst ? ["harness", "rb", "bare"] : ["bare", "rb", "harness"]) {
            if (which === "harness") h = await harnessWindow(cluster, concurrency, resultsDir, String(rep));
            else if (which === "bare") b = await bareIoredisWindow(host, port, concurrency);
            else r = await redisBenchmark(host, port, concurrency, requests);
          }
          // Size redis-benchmark's request count so each of its two tests lasts about half a window.
          requests = Math.max(10_000, Math.round((r! * WINDOW_MS) / 2000));
          if (rep === 0) continue; // warm-up
          harness.push(h!);
          rb.push(r!);
          bare.push(b!);
        }
        const hOps = median(harness.map((s) => s.opsPerSec));
        const rOps = median(rb);
        const cpu = median(harness.map((s) => s.cpu));
        // The steadier figure on a shared host: CPU seconds per op do not depend on how much CPU the scheduler gave.
        const cpuUsPerOp = median(harness.map((s) => (s.cpu * 1e6) / s.opsPerSec));
        // Each repetition measures both back to back, so its ratio is what the shared machine's drift touches least.
        const ratio = median(harness.map((s, i) => s.opsPerSec / rb[i]!));
        const bareRatio = median(bare.map((x, i) => x / rb[i]!));
        const spread = (xs: number[]): string =>
          `min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))}`;
        rows.push({
          name: `c=${concurrency} harness (${WORKLOAD}, recorded)`,
          ops: Math.round((hOps * WINDOW_MS) / 1000),
          medianMs: WINDOW_MS,
          minMs: WINDOW_MS,
          maxMs: WINDOW_MS,
          notes: `${Math.round(hOps)} ops/s (${spread(harness.map((s) => s.opsPerSec))}); harness CPU ${(cpu * 100).toFixed(0)}% of a core, ${cpuUsPerOp.toFixed(0)} us per op`,
        });
        rows.push({
          name: `c=${concurrency} redis-benchmark (set,get -P 1)`,
          ops: Math.round((rOps * WINDOW_MS) / 1000),
          medianMs: WINDOW_MS,
          minMs: WINDOW_MS,
          maxMs: WINDOW_MS,
          notes: `${Math.round(rOps)} ops/s (${spread(rb)}); harness/redis-benchmark ${ratio.toFixed(2)} (median of paired ratios) (aim >= 0.8: ${ratio >= 0.8 ? "met" : "MISSED"})`,
        });
        rows.push({
          name: `c=${concurrency} bare ioredis (ceiling)`,
          ops: Math.round((median(bare) * WINDOW_MS) / 1000),
          medianMs: WINDOW_MS,
          minMs: WINDOW_MS,
          maxMs: WINDOW_MS,
          notes: `${Math.round(median(bare))} ops/s (${spread(bare)}); bare/redis-benchmark ${bareRatio.toFixed(2)}, harness/bare ${median(harness.map((s, i) => s.opsPerSec / bare[i]!)).toFixed(2)} (medians of paired ratios)`,
        });
        summary.push(
          `${String(concurrency).padStart(11)}  ${String(Math.round(hOps)).padStart(15)}  ${String(Math.round(rOps)).padStart(21)}  ${ratio.toFixed(2).padStart(5)}  ${(cpu * 100).toFixed(0).padStart(10)}%  ${cpuUsPerOp.toFixed(0).padStart(9)}  ${String(Math.round(median(bare))).padStart(11)}  ${bareRatio.toFixed(2).padStart(10)}`,
        );
      }
    } finally {
      await cluster.teardown();
    }
  } finally {
    await cleanRun(runId).catch(() => undefined);
    rmSync(resultsDir, { recursive: true, force: true });
  }
  console.log(
    `\nharness vs redis-benchmark (${image}; ${availableParallelism()} cores; ${WINDOW_MS / 1000}s windows, medians of ${runs})`,
  );
  console.log(
    `concurrency  harness ops/s  redis-benchmark ops/s  ratio  harness CPU  us/op CPU  bare ops/s  bare ratio   (ratios: medians of per-repetition ratios)`,
  );
  for (const line of summary) console.log(line);
  console.log(
    "CPU: one machine runs the harness (one Node thread), the Redis server and Docker's proxying; on 2 cores they " +
      "compete, as does anything else running. Both clients dial the container address from the host.",
  );
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
