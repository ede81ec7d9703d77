import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { cleanRun, leftovers } from "../../src/docker/cleanup.js";
import { execIn } from "../../src/docker/container.js";
import { BALLAST_NAME } from "../../src/nemesis/disk.js";
import { leftoverScript } from "../../src/nemesis/iptables.js";
import { planFromOptions, type RunOptions } from "../../src/runner/plan.js";
import { Progress } from "../../src/runner/progress.js";
import { runPlan } from "../../src/runner/run.js";
import { describeE2e, e2eEnvironment } from "./support/environment.js";
import { readRunHistory } from "./support/history.js";

/**
 * A fault never outlives its run: an exception mid-fault, a first Ctrl-C (graceful), a second one (teardown now),
 * and a runner killed outright (then `splitbrain clean`). Where the cluster is kept, its nodes are searched for
 * anything of ours after the run has ended.
 */
const env = await e2eEnvironment({ db: "redis" });
const resultsRoot = mkdtempSync(join(tmpdir(), "splitbrain-e2e-nemesis-safety-"));
const runIds: string[] = [];
const nothing = { containers: [], networks: [], volumes: [] };
const child = fileURLToPath(new URL("./nemesis-safety.child.ts", import.meta.url));

function cliArgs(extra: string[]): string[] {
  return [
    "run",
    "--workload",
    "set",
    "--concurrency",
    "3",
    "--rate",
    "100",
    "--time-limit",
    "30",
    "--recovery-time",
    "0",
    "--nemesis-interval",
    "2",
    "--op-timeout",
    "500",
    "--data-size",
    "64m",
    "--seed",
    "3",
    "--results",
    resultsRoot,
    ...(env.image ? ["--image", env.image] : []),
    ...extra,
  ];
}

/** Whatever our faults could leave in a kept cluster's nodes: iptables rules, a ballast file, a stopped database. */
async function expectNothingOfOurs(
  runId: string,
  nodes: Array<{ name: string; ip: string; port: number; kind: string }>,
) {
  for (const node of nodes) {
    const container = `splitbrain-${runId}-${node.name}`;
    expect((await execIn(container, ["sh", "-c", leftoverScript()])).stdout.trim(), node.name).toBe("");
    expect((await execIn(container, ["ls", "-a", "/data"])).stdout, node.name).not.toContain(BALLAST_NAME);
    if (node.kind !== "sentinel") {
      const ping = await execIn(container, ["redis-cli", "-h", node.ip, "-p", String(node.port), "PING"]);
      expect(ping.stdout.trim(), node.name).toBe("PONG");
    }
  }
}

interface Child {
  /** The run id the child printed. */
  runId(): string;
  /** Resolves when `pattern` appears in the child's output. */
  when(pattern: RegExp, timeoutMs?: number): Promise<void>;
  signal(sig: NodeJS.Signals): void;
  exited: Promise<number | null>;
  output(): string;
}

function startChild(args: string[]): Child {
  const p = spawn(process.execPath, ["--import", "tsx", child, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const feed = (b: Buffer) => {
    out += b.toString();
    for (const w of [...waiters]) if (w.pattern.test(out)) waiters.splice(waiters.indexOf(w), 1), w.resolve();
  };
  p.stdout.on("data", feed);
  p.stderr.on("data", feed);
  const exited = new Promise<number | null>((resolve) => p.on("exit", (code) => resolve(code)));
  const when = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(out)) return resolve();
      const timer = setTimeout(() => reject(new Error(`child never printed ${pattern}; output:\n${out}`)), timeoutMs);
      waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
      void exited.then(() =>
        setTimeout(() => reject(new Error(`child exited before ${pattern}; output:\n${out}`)), 100),
      );
    });
  // Known as soon as the child prints it, so the suite's clean-up finds the run even if a test fails.
  let id: string | undefined;
  p.stderr.on("data", () => {
    if (id === undefined && (id = /^run (\S+): /m.exec(out)?.[1]) !== undefined) runIds.push(id);
  });
  const runId = () => {
    if (id === undefined) throw new Error(`the child printed no run id; output:\n${out}`);
    return id;
  };
  return { runId, when, signal: (sig) => p.kill(sig), exited, output: () => out };
}

/** `splitbrain clean --run <id>` as a user would type it, then nothing labelled with the run remains. */
async function expectClean(runId: string): Promise<void> {
  const c = startChild(["clean", "--run", runId]);
  expect(await c.exited, c.output()).toBe(0);
  expect(c.output()).toMatch(/removed \d+ containers/);
  expect(await leftovers(runId)).toEqual(nothing);
}

function keptNodes(output: string): Array<{ name: string; ip: string; port: number; kind: string }> {
  // The keep message lists each node as "  n1   10.x.y.z:6379  docker exec ..."; Sentinels on 26379.
  return [...output.matchAll(/^\s+([ns]\d+)\s+(\d+\.\d+\.\d+\.\d+):(\d+)\s+docker exec/gm)].map((m) => ({
    name: m[1]!,
    ip: m[2]!,
    port: Number(m[3]),
    kind: m[1]!.startsWith("s") ? "sentinel" : "data",
  }));
}

afterAll(async () => {
  for (const id of runIds) await cleanRun(id).catch(() => undefined);
  rmSync(resultsRoot, { recursive: true, force: true });
}, 120_000);

describeE2e("faults never outlive the run", env, () => {
  it("an exception while a partition is active: runPlan still heals it (cluster kept to look)", async () => {
    const stop = new AbortController();
    let runDir = "";
    /** Notes the run directory, ends the workload once the partition is in place, then fails the run's next step. */
    class Sabotage extends Progress {
      override event(line: string): void {
        runDir ||= /^run \S+: (.+)$/.exec(line)?.[1] ?? "";
        if (line.includes("nemesis: start-partition")) stop.abort();
        if (line.startsWith("workload done")) throw new Error("injected failure after the workload");
        super.event(line);
      }
    }
    const opts: RunOptions = {
      workload: "set",
      concurrency: "3",
      rate: "100",
      timeLimit: "30",
      recoveryTime: "0",
      opTimeout: "500",
      waitTimeout: "1000",
      nemesis: "partition",
      partition: "isolate-primary",
      nemesisInterval: "2",
      nemesisMode: "sequential",
      topology: "replicated",
      results: resultsRoot,
      seed: "5",
      dataSize: "64m",
      keep: true,
      ...(env.image ? { image: env.image } : {}),
    };
    const progress = new Sabotage({ write: () => true, isTTY: false } as unknown as NodeJS.WriteStream);
    const attempt = runPlan(planFromOptions(opts), { progress, signal: stop.signal });
    await expect(attempt).rejects.toThrow(/injected failure/);
    const test = JSON.parse(readFileSync(join(runDir, "test.json"), "utf8")) as {
      runId: string;
      cluster: { nodes: Array<{ name: string; ip: string; port: number; kind: string }> };
    };
    runIds.push(test.runId);
    // The partition really was on when the run failed: started, never stopped by the schedule.
    const ops = readRunHistory(runDir);
    expect(ops.some((o) => o.f === "start-partition" && o.type === "ok")).toBe(true);
    expect(ops.some((o) => o.f === "stop-partition")).toBe(false);
    await expectNothingOfOurs(test.runId, test.cluster.nodes);
    await cleanRun(test.runId);
    expect(await leftovers(test.runId)).toEqual(nothing);
  }, 120_000);

  it("first Ctrl-C while the disk is full: the run heals and, with --keep, leaves a clean cluster; clean removes it", async () => {
    const c = startChild(cliArgs(["--topology", "single", "--appendonly", "yes", "--nemesis", "disk-fill", "--keep"]));
    await c.when(/nemesis: start-disk-fill \{/);
    c.signal("SIGINT");
    expect(await c.exited).toBe(2);
    const runId = c.runId();
    expect(c.output()).toMatch(/stopping the workload; healing/);
    const nodes = keptNodes(c.output());
    expect(nodes.map((n) => n.name)).toEqual(["n1"]);
    await expectNothingOfOurs(runId, nodes);
    expect((await leftovers(runId)).containers).toHaveLength(1);
    await expectClean(runId);
  }, 120_000);

  it("second SIGTERM while a partition is active: heal and teardown run at once, exit 2, nothing left", async () => {
    const c = startChild(
      cliArgs(["--topology", "replicated", "--nemesis", "partition", "--partition", "isolate-primary"]),
    );
    await c.when(/nemesis: start-partition \{/);
    c.signal("SIGTERM");
    await c.when(/stopping the workload/);
    c.signal("SIGTERM");
    expect(await c.exited).toBe(2);
    expect(c.output()).toMatch(/cleaning up now/);
    expect(await leftovers(c.runId()), c.output()).toEqual(nothing);
  }, 120_000);

  it("a runner killed outright mid-kill leaves its cluster; splitbrain clean removes every labelled resource", async () => {
    const c = startChild(cliArgs(["--topology", "single", "--nemesis", "kill"]));
    await c.when(/nemesis: start-kill \{/);
    c.signal("SIGKILL");
    await c.exited;
    const runId = c.runId();
    expect((await leftovers(runId)).containers.length).toBeGreaterThan(0);
    await expectClean(runId);
  }, 120_000);
});
