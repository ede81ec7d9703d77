/**
 * What the lazy filesystem costs: SET throughput of a single Redis with AOF on, its data directory on the lazy
 * filesystem vs on plain tmpfs, for each appendfsync mode. Needs Docker and a local Redis node image. Each case
 * starts its own single-node cluster, warms up, then measures `runs` windows of WINDOW_MS; rows report the median
 * window. The aim (issue 11): with everysec, the lazy filesystem keeps at least a third of plain throughput.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startCluster } from "../src/cluster/start.js";
import { engineOf } from "../src/db/engines.js";
import { defaultSpec } from "../src/db/spec.js";
import { cleanRun } from "../src/docker/cleanup.js";
import { ensureNodeImage } from "../src/image/images.js";
import { type AppendFsync, emptySettings } from "../src/topology/spec.js";
import type { BenchRow } from "./index.js";

const WINDOW_MS = 2000;
const CLIENTS = 16;
const VALUE = "v".repeat(100);

async function measure(host: string, port: number, runs: number): Promise<number[]> {
  const clients = Array.from(
    { length: CLIENTS },
    () => new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0 }),
  );
  await Promise.all(clients.map((c) => c.connect()));
  try {
    const window = async (ms: number): Promise<number> => {
      let ops = 0;
      const until = Date.now() + ms;
      await Promise.all(
        clients.map(async (c, i) => {
          for (let k = 0; Date.now() < until; k++) {
            await c.set(`k${i}:${k % 1000}`, VALUE);
            ops++;
          }
        }),
      );
      return (ops * 1000) / ms;
    };
    await window(500);
    const out: number[] = [];
    for (let r = 0; r < runs; r++) out.push(await window(WINDOW_MS));
    return out.sort((a, b) => a - b);
  } finally {
    clients.forEach((c) => c.disconnect());
  }
}

async function opsPerSecond(image: string, appendfsync: AppendFsync, lazy: boolean, runs: number): Promise<number[]> {
  const runId = `bench-pl-${Math.random().toString(36).slice(2, 8)}`;
  const resultsDir = mkdtempSync(join(tmpdir(), "splitbrain-bench-"));
  const settings = { ...emptySettings(), appendonly: true, appendfsync, save: "" };
  try {
    const cluster = await startCluster(defaultSpec({ topology: "single", dataSize: "256m", settings, image }), {
      runId,
      resultsDir,
      ...(lazy ? { lazyFs: {} } : {}),
    });
    try {
      const n1 = cluster.nodes[0]!;
      return await measure(n1.ip, n1.port, runs);
    } finally {
      await cluster.teardown();
    }
  } finally {
    await cleanRun(runId).catch(() => undefined);
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

export async function powerlossBench(runs: number): Promise<BenchRow[]> {
  const image = await ensureNodeImage({ image: engineOf("redis").image });
  const rows: BenchRow[] = [];
  for (const mode of ["always", "everysec", "no"] as const) {
    const plain = await opsPerSecond(image, mode, false, runs);
    const lazy = await opsPerSecond(image, mode, true, runs);
    const med = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
    const ratio = med(lazy) / med(plain);
    for (const [name, xs] of [
      [`appendfsync ${mode}, tmpfs`, plain],
      [`appendfsync ${mode}, lazy fs`, lazy],
    ] as const) {
      rows.push({
        name,
        ops: Math.round((med(xs) * WINDOW_MS) / 1000),
        medianMs: WINDOW_MS,
        minMs: WINDOW_MS,
        maxMs: WINDOW_MS,
        notes:
          `${Math.round(med(xs))} ops/s (min ${Math.round(xs[0]!)}, max ${Math.round(xs[xs.length - 1]!)})` +
          (name.endsWith("lazy fs")
            ? `; lazy/plain ${ratio.toFixed(2)}${mode === "everysec" ? (ratio >= 1 / 3 ? " (aim >= 0.33: met)" : " (aim >= 0.33: MISSED)") : ""}`
            : ""),
      });
    }
  }
  return rows;
}
