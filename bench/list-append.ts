import { checkListAppend } from "../src/checker/list-append/index.js";
import { SeededRng } from "../src/core/rng.js";
import type { History, Op } from "../src/history/op.js";
import { type BenchRow, row, timed } from "./index.js";

/**
 * The list-append checker on generated histories shaped like the workload's: `txns` transactions of 1-4 micro-ops,
 * `concurrency` clients, keys retired after 32 appends, executed serially in completion order (so the history is
 * valid and every read is a prefix of the next), with 1% of transactions indeterminate.
 */
export function listAppendHistory(txns: number, concurrency: number, seed: number): History {
  const rng = new SeededRng(seed);
  const lists = new Map<string, string[]>();
  const ops: History = [];
  let value = 0;
  let key = 0;
  let appendsInKey = 0;
  const pending: Array<{ process: number; mops: unknown[][]; info: boolean } | undefined> = [];
  const record = (op: Omit<Op, "index" | "time">) => ops.push({ index: ops.length, time: ops.length * 1000, ...op });
  const start = (process: number) => {
    const mops: unknown[][] = [];
    for (let i = 0, n = 1 + rng.int(4); i < n; i++) {
      const k = `k${Math.max(0, key - rng.int(3))}`;
      if (rng.next() < 0.5) {
        mops.push(["append", k, ++value]);
        if (++appendsInKey >= 32) {
          key++;
          appendsInKey = 0;
        }
      } else mops.push(["r", k, null]);
    }
    pending[process % concurrency] = { process, mops, info: rng.next() < 0.01 };
    record({ process, type: "invoke", f: "txn", value: mops });
  };
  let nextProcess = 0;
  for (let c = 0; c < concurrency; c++) start(nextProcess++);
  for (let done = 0; done < txns; done++) {
    const slot = rng.int(concurrency);
    const p = pending[slot]!;
    const out = p.mops.map((m) => {
      const k = String(m[1]);
      const cur = lists.get(k) ?? [];
      if (m[0] === "append") {
        lists.set(k, [...cur, String(m[2])]);
        return m;
      }
      return ["r", k, cur.map(Number)];
    });
    record({ process: p.process, type: p.info ? "info" : "ok", f: "txn", value: p.info ? p.mops : out });
    start(p.info ? (nextProcess += concurrency) - concurrency + slot : p.process);
  }
  return ops;
}

export async function listAppendBench(runs: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const n of [10_000, 100_000]) {
    const history = listAppendHistory(n, 10, 42);
    const { ms, result } = await timed(runs, async () => checkListAppend(history));
    rows.push(row(`list-append ${n} txns`, history.length, ms, `valid=${result.valid}, ${result.graph.edges} edges`));
  }
  return rows;
}
