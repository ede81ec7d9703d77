import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { History, Op, OpType, Process } from "../../src/history/op.js";
import { writeRunResults } from "../../src/rundir/evidence.js";
import { checkHistory, type RunResults, type TestRecord } from "../../src/runner/checkRun.js";
import { planFromOptions } from "../../src/runner/plan.js";

/**
 * Hand-made run directories for report tests: a real plan from the CLI parser, a history written op by op, and
 * results computed by the real checkers (never a hard-coded verdict).
 */

export class HistoryBuilder {
  readonly ops: Op[] = [];
  constructor(private readonly timed = true) {}
  add(ms: number, process: Process, type: OpType, f: string, extra: Partial<Op> = {}): this {
    const op: Op = { index: this.ops.length, process, type, f, ...extra };
    if (this.timed) op.time = Math.round(ms * 1e6);
    this.ops.push(op);
    return this;
  }
}

export function testRecord(args: string[], cluster?: unknown): TestRecord {
  const opts: Record<string, unknown> = {
    db: "redis",
    topology: "sentinel",
    workload: "set",
    concurrency: "2",
    timeLimit: "10",
    recoveryTime: "1",
    opTimeout: "1000",
    nemesisInterval: "10",
    nemesisMode: "sequential",
    results: "results",
    checkTimeout: "30",
    seed: "42",
  };
  for (let i = 0; i < args.length; i += 2) opts[args[i]!] = args[i + 1];
  // commander fills these defaults; the cluster parser reads them.
  const plan = planFromOptions({ replicas: undefined, ...opts } as never);
  return {
    tool: { name: "splitbrain", version: "0.0.0-test" },
    runId: "20260101-000000-abcdef",
    startedAt: "2026-01-01T00:00:00.000Z",
    command: ["run", "--workload", String(opts.workload), "--seed", "42"],
    plan,
    cluster: cluster ?? {
      nodes: [
        { name: "n1", kind: "data", ip: "10.0.0.11", port: 6379 },
        { name: "n2", kind: "data", ip: "10.0.0.12", port: 6379 },
        { name: "n3", kind: "data", ip: "10.0.0.13", port: 6379 },
        { name: "s1", kind: "sentinel", ip: "10.0.0.14", port: 26379 },
      ],
      capabilities: { n1: { engine: "redis", version: "7.0.15", commands: {}, config: {}, multiplexingApi: "epoll" } },
      timings: { total: 5000 },
    },
  };
}

export interface FixtureRun {
  dir: string;
  test: TestRecord;
  history: History;
  results: RunResults;
}

/** Writes test.json, history.jsonl, results.json (from the real checkers) and node files into a fresh directory. */
export async function writeRunDir(
  test: TestRecord,
  history: History,
  nodes: Record<string, Record<string, string>> = {},
  opts: { check?: boolean } = {},
): Promise<FixtureRun> {
  const dir = mkdtempSync(join(tmpdir(), "splitbrain-report-"));
  writeFileSync(join(dir, "test.json"), JSON.stringify(test));
  writeFileSync(join(dir, "history.jsonl"), history.map((op) => JSON.stringify(op)).join("\n") + "\n");
  const results = await checkHistory(history, test, 30_000);
  if (opts.check !== false) writeRunResults(dir, results);
  mkdirSync(join(dir, "nodes"));
  for (const [node, files] of Object.entries(nodes)) {
    mkdirSync(join(dir, "nodes", node));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "nodes", node, name), text);
  }
  return { dir, test, history, results };
}

/**
 * A set run under an isolate-primary partition: process 0 and 1 add elements (n1 acknowledges until 1.5 s, then
 * n2); the partition runs 1.0 s - 2.0 s; the final read misses `lost` of the elements n1 acknowledged after 1.0 s.
 */
export function partitionedSetHistory(opts: { elements?: number; lost?: number; hostile?: string } = {}): History {
  const n = opts.elements ?? 40;
  const lostCount = opts.lost ?? 2;
  const h = new HistoryBuilder();
  const stepMs = 3000 / n;
  const present: string[] = [];
  const lostSet: string[] = [];
  let partitioned = false;
  let started = false;
  for (let i = 0; i < n; i++) {
    const t = i * stepMs;
    if (!started && t >= 1000) {
      started = true;
      h.add(t - 10, "nemesis", "invoke", "start-partition");
      h.add(t - 5, "nemesis", "ok", "start-partition", {
        value: { grudge: { n1: ["n2", "n3", "s1"], n2: ["n1"], n3: ["n1"], s1: ["n1"] } },
      });
      partitioned = true;
    }
    if (t >= 2000 && partitioned) {
      h.add(t - 10, "nemesis", "invoke", "stop-partition");
      h.add(t - 5, "nemesis", "ok", "stop-partition", { value: { healed: ["n1", "n2", "n3", "s1"] } });
      partitioned = false;
    }
    const p = i % 2;
    const element = i === 0 && opts.hostile ? opts.hostile : String(i);
    const node = t < 1500 ? "n1" : "n2";
    h.add(t, p, "invoke", "add", { key: "set:{0}", value: element });
    h.add(t + 1, p, "ok", "add", { key: "set:{0}", value: element, node });
    // A read in the middle so lost elements have a "last seen".
    if (i === Math.floor(n * 0.45)) {
      h.add(t + 2, p, "invoke", "read", { key: "set:{0}" });
      h.add(t + 3, p, "ok", "read", { key: "set:{0}", value: [...present, ...lostSet, element], node });
    }
    if (t >= 1000 && t < 1500 && lostSet.length < lostCount) lostSet.push(element);
    else present.push(element);
  }
  h.add(3100, "nemesis", "invoke", "heal");
  h.add(3110, "nemesis", "ok", "heal");
  h.add(3200, 0, "invoke", "final-read", { key: "set:{0}" });
  h.add(3210, 0, "ok", "final-read", { key: "set:{0}", value: present, node: "n2" });
  return h.ops;
}

export const partitionArgs = ["workload", "set", "nemesis", "partition", "partition", "isolate-primary"];
