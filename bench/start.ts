/**
 * How long a topology takes to start: from the first container's creation to healthy (the `created-to-healthy`
 * entry of test.json's `cluster.timings`), for the sentinel and cluster topologies on the default node image. Needs
 * Docker and a local Redis node image. Each repetition starts, reads the timings, and tears down; the topologies
 * alternate so drift in the machine's other load hits both alike. Issue 20's aim: sentinel <= 5 s, cluster <= 6 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster } from "../src/cluster/start.js";
import type { TopologyName } from "../src/core/cluster.js";
import { engineOf } from "../src/db/engines.js";
import { defaultSpec } from "../src/db/spec.js";
import { cleanRun } from "../src/docker/cleanup.js";
import { ensureNodeImage } from "../src/image/images.js";
import type { BenchRow } from "./index.js";

const TOPOLOGIES: Array<{ topology: TopologyName; aimMs: number }> = [
  { topology: "sentinel", aimMs: 5000 },
  { topology: "cluster", aimMs: 6000 },
];

async function startOnce(image: string, topology: TopologyName): Promise<Record<string, number>> {
  const runId = `bench-st-${Math.random().toString(36).slice(2, 8)}`;
  const resultsDir = mkdtempSync(join(tmpdir(), "splitbrain-bench-"));
  try {
    const cluster = await startCluster(defaultSpec({ topology, image }), { runId, resultsDir });
    const timings = { ...cluster.timings };
    await cluster.teardown();
    return timings;
  } finally {
    await cleanRun(runId).catch(() => undefined);
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

export async function startBench(runs: number): Promise<BenchRow[]> {
  const image = await ensureNodeImage({ image: engineOf("redis").image });
  const samples = new Map<TopologyName, Array<Record<string, number>>>(TOPOLOGIES.map((t) => [t.topology, []]));
  for (let rep = 0; rep <= runs; rep++) {
    const order = rep % 2 === 0 ? TOPOLOGIES : [...TOPOLOGIES].reverse();
    for (const { topology } of order) {
      const t = await startOnce(image, topology);
      console.log(`  ${rep === 0 ? "warm-up " : ""}${topology}: ${JSON.stringify(t)}`);
      if (rep > 0) samples.get(topology)!.push(t);
    }
  }
  return TOPOLOGIES.map(({ topology, aimMs }) => {
    const ts = samples.get(topology)!;
    const ms = ts.map((t) => t["created-to-healthy"]!).sort((a, b) => a - b);
    const med = ms[Math.floor(ms.length / 2)]!;
    const phases = Object.keys(ts[0]!)
      .filter((k) => k !== "total" && k !== "created-to-healthy")
      .map((k) => `${k} ${Math.round(median(ts.map((t) => t[k] ?? 0)))}`)
      .join(", ");
    return {
      name: `${topology} (${image}) created-to-healthy`,
      ops: 1,
      medianMs: med,
      minMs: ms[0]!,
      maxMs: ms[ms.length - 1]!,
      notes: `aim <= ${aimMs / 1000} s: ${med <= aimMs ? "met" : "MISSED"}; phase medians (ms): ${phases}`,
    };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
