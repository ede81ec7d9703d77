/**
 * History classes like porcupine's own test data, generated from seeds (its data is not ours to ship):
 *
 * - etcd: single-register logs with many clients, reads, writes and cas, some calls crashing (`info`, so pending);
 * - kv c10 / c50: multi-key get/put/append logs from 10 or 50 clients, no crashes, "ok" and "bad" (one key reads a
 *   stale value: porcupine's bad logs are illegal on one key);
 * - knossos cas: a cas register with few clients, many of them crashing, as Knossos's test histories are;
 * - the pending-heavy 100k register history from issue 20 (3 % indeterminate ops).
 *
 * Every history is valid by construction (a simulated register or kv under concurrency) unless "bad", where one
 * stale read makes it invalid for certain.
 */
import type { History } from "../src/history/op.js";
import { injectStaleRead, type SimulationOptions, simulatedHistory } from "../test/support/histories.js";
import { seededRng } from "../test/support/rng.js";

export interface HistoryClass {
  name: string;
  model: "register" | "kv";
  /** What it stands in for. */
  like: string;
  histories: Array<{ seed: number; history: History }>;
}

interface Spec {
  name: string;
  model: "register" | "kv";
  like: string;
  sim: SimulationOptions;
  bad: boolean;
  seeds: number[];
  quickSeeds: number[];
}

const SPECS: Spec[] = [
  {
    name: "etcd register",
    model: "register",
    like: "porcupine test_data/jepsen etcd_*.log",
    sim: { processes: 10, ops: 1000, infoRate: 0.03, meanDuration: 6 },
    bad: false,
    seeds: [101, 102, 103],
    quickSeeds: [101],
  },
  {
    name: "etcd register, bad",
    model: "register",
    like: "porcupine etcd logs judged Illegal",
    sim: { processes: 10, ops: 1000, infoRate: 0.03, meanDuration: 6 },
    bad: true,
    seeds: [111, 112, 113],
    quickSeeds: [111],
  },
  {
    name: "kv c10 ok",
    model: "kv",
    like: "porcupine test_data/kv c10-ok",
    sim: { processes: 10, ops: 3000, keys: 10, infoRate: 0, meanDuration: 10 },
    bad: false,
    seeds: [201, 202, 203],
    quickSeeds: [201],
  },
  {
    name: "kv c10 bad",
    model: "kv",
    like: "porcupine test_data/kv c10-bad",
    sim: { processes: 10, ops: 3000, keys: 10, infoRate: 0, meanDuration: 10 },
    bad: true,
    seeds: [211, 212, 213],
    quickSeeds: [211],
  },
  {
    name: "kv c50 ok",
    model: "kv",
    like: "porcupine test_data/kv c50-ok",
    sim: { processes: 50, ops: 10000, keys: 10, infoRate: 0, meanDuration: 15 },
    bad: false,
    seeds: [301, 302, 303],
    quickSeeds: [301],
  },
  {
    name: "kv c50 bad",
    model: "kv",
    like: "porcupine test_data/kv c50-bad",
    sim: { processes: 50, ops: 10000, keys: 10, infoRate: 0, meanDuration: 15 },
    bad: true,
    seeds: [311, 312, 313],
    quickSeeds: [311],
  },
  {
    name: "knossos cas register",
    model: "register",
    like: "knossos data/cas-register histories",
    sim: { processes: 5, ops: 500, infoRate: 0.1, meanDuration: 5 },
    bad: false,
    seeds: [401, 402, 403],
    quickSeeds: [401],
  },
  {
    name: "knossos cas register, bad",
    model: "register",
    like: "knossos cas-register histories judged invalid",
    sim: { processes: 5, ops: 500, infoRate: 0.1, meanDuration: 5 },
    bad: true,
    seeds: [411, 412, 413],
    quickSeeds: [411],
  },
  {
    name: "register 100k, 3% info",
    model: "register",
    like: "issue 20's pending-heavy 100k-op register history",
    sim: { processes: 10, ops: 100_000, infoRate: 0.03, meanDuration: 10 },
    bad: false,
    seeds: [501],
    quickSeeds: [],
  },
];

export function historyClasses(quick: boolean, only?: string): HistoryClass[] {
  return SPECS.filter((s) => !only || s.name.includes(only)).flatMap((s) => {
    const seeds = quick ? s.quickSeeds : s.seeds;
    if (!seeds.length) return [];
    return [
      {
        name: s.name,
        model: s.model,
        like: s.like,
        histories: seeds.map((seed) => {
          const h = simulatedHistory(s.model, seededRng(seed), s.sim);
          return { seed, history: s.bad ? injectStaleRead(h, s.model) : h };
        }),
      },
    ];
  });
}
