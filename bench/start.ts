/**
 * How long a topology takes to start: from the first container's creation to healthy (the `created-to-healthy`
 * entry of test.json's `cluster.timings`), for the sentinel and cluster topologies on the default node image. Needs
 * Docker and a local Redis node image. Each repetition starts, reads the timings, and tears down; the topologies
 * alternate so drift in the machine's other load hits both alike. Issue 20's aim: sentinel <= 5 s, cluster <= 6 s.
 *
 * SPLITBRAIN_BENCH_TREE=<another checkout> (its own node_modules, e.g. `git archive` of an older commit with this
 * one's linked in) starts each topology with that tree's startCluster too, side by side: in every repetition both
 * trees start it, the order swapping each time, and the rows give both and the median of the paired ratios.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
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

type Start = typeof startCluster;

async function startOnce(start: Start, image: string, topology: TopologyName): Promise<Record<string, number>> {
  const runId = `bench-st-${Math.random().toString(36).slice(2, 8)}`;
  const resultsDir = mkdtempSync(join(tmpdir(), "splitbrain-bench-"));
  try {
    const cluster = await start(defaultSpec({ topology, image }), { runId, resultsDir });
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
  const other = process.env.SPLITBRAIN_BENCH_TREE;
  const trees: Array<{ label: string; start: Start }> = [{ label: "this tree", start: startCluster }];
  if (other) {
    const mod = (await import(pathToFileURL(join(resolve(other), "src/cluster/start.ts")).href)) as {
      startCluster: Start;
    };
    trees.unshift({ label: `tree ${other}`, start: mod.startCluster });
  }
  const samples = new Map<string, Array<Record<string, number>>>();
  const key = (tree: string, topology: TopologyName) => `${topology} (${tree})`;
  for (let rep = 0; rep <= runs; rep++) {
    const order = rep % 2 === 0 ? TOPOLOGIES : [...TOPOLOGIES].reverse();
    for (const { topology } of order) {
      const treeOrder = (rep + (topology === "cluster" ? 1 : 0)) % 2 === 0 ? trees : [...trees].reverse();
      for (const { label, start } of treeOrder) {
        const t = await startOnce(start, image, topology);
        const load = loadavg()[0]!.toFixed(1);
        console.log(`  ${rep === 0 ? "warm-up " : ""}${key(label, topology)}: ${JSON.stringify(t)} (load ${load})`);
        if (rep > 0) samples.set(key(label, topology), [...(samples.get(key(label, topology)) ?? []), t]);
      }
    }
  }
  const rows: BenchRow[] = [];
  for (const { topology, aimMs } of TOPOLOGIES) {
    for (const { label } of trees) {
      const ts = samples.get(key(label, topology))!;
      const ms = ts.map((t) => t["created-to-healthy"]!).sort((a, b) => a - b);
      const med = median(ms);
      const phases = Object.keys(ts[0]!)
        .filter((k) => k !== "total" && k !== "created-to-healthy")
        .map((k) => `${k} ${Math.round(median(ts.map((t) => t[k] ?? 0)))}`)
        .join(", ");
      let ratio = "";
      if (trees.length === 2 && label === "this tree") {
        const base = samples.get(key(trees[0]!.label, topology))!;
        const r = ts.map((t, i) => t["created-to-healthy"]! / base[i]!["created-to-healthy"]!);
        ratio = `; this/other paired median ${median(r).toFixed(2)}`;
      }
      rows.push({
        name: `${key(label, topology)} ${image} created-to-healthy`,
        ops: 1,
        medianMs: med,
        minMs: ms[0]!,
        maxMs: ms[ms.length - 1]!,
        notes: `aim <= ${aimMs / 1000} s: ${med <= aimMs ? "met" : "MISSED"}${ratio}; phase medians (ms): ${phases}`,
      });
    }
  }
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
