import type { Cluster, Endpoints, ExecResult, Node, TopologyName } from "../../src/core/cluster.js";
import { SeededRng } from "../../src/core/rng.js";
import type { NemesisContext } from "../../src/nemesis/nemesis.js";

/**
 * A fake cluster for nemesis unit tests: nodes record every exec and signal, and answer like a tiny Redis / a
 * Linux box would, from state the test can inspect (process state, ballast bytes, maxmemory, role, iptables rules).
 */

export const ROUTE_TABLE =
  "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
  "eth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
  "eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";

export type Proc = "running" | "paused" | "dead";

export class FakeNode implements Node {
  readonly kind: "data" | "sentinel";
  readonly port: number;
  readonly containerId: string;
  readonly dataDir = "/data";
  calls: string[] = [];
  proc: Proc = "running";
  /** Bytes free on the data filesystem, not counting the ballast. */
  diskFree = 10 * 1024 * 1024;
  ballast = 0;
  config: Record<string, string> = { maxmemory: "0", "maxmemory-policy": "noeviction" };
  usedMemory = 1_000_000;
  role: "master" | "slave" = "slave";
  replicaOf: string | undefined;
  /** iptables chains that hold rules, as applied by the last script per chain ("" when flushed). */
  chains = new Map<string, string[]>();
  /** Make exec of scripts containing this text fail. */
  failOn: string | undefined;
  /** Answer for the CLI command ("-" means none configured); overrides the simulated Redis. */
  cliReplies = new Map<string, string>();
  tcWorks = false;

  constructor(
    readonly name: string,
    readonly ip: string,
    opts: { kind?: "data" | "sentinel"; port?: number } = {},
  ) {
    this.kind = opts.kind ?? "data";
    this.port = opts.port ?? (this.kind === "data" ? 6379 : 26379);
    this.containerId = `c-${name}`;
  }

  async exec(cmd: string[]): Promise<ExecResult> {
    const script = cmd[0] === "sh" && cmd[1] === "-c" ? (cmd[2] as string) : cmd.join(" ");
    const marker = cmd.indexOf("splitbrain-cli");
    if (marker >= 0) {
      const args = cmd.slice(marker + 5);
      this.calls.push(`cli:${cmd[marker + 4]}:${args.join(" ")}`);
      return this.cli(args, Number(cmd[marker + 4]));
    }
    this.calls.push(script);
    if (this.failOn !== undefined && script.includes(this.failOn)) return fail(`simulated failure of ${this.failOn}`);
    if (script === "cat /proc/net/route") return ok(ROUTE_TABLE);
    if (script.startsWith("df -Pk")) {
      const kb = Math.floor((this.diskFree - this.ballast) / 1024);
      return ok(`Filesystem 1024-blocks Used Available Capacity Mounted on\ntmpfs 65536 0 ${kb} 0% /data\n`);
    }
    const fill = /fallocate -l (\d+) /.exec(script);
    if (fill) {
      this.ballast = Number(fill[1]);
      // The fill script ends by printing the ballast's size.
      return ok(`${this.ballast}\n`);
    }
    if (script.startsWith("rm -f '/data/.splitbrain-ballast'")) {
      this.ballast = 0;
      return ok("");
    }
    if (script.startsWith("tc qdisc del")) return ok("");
    if (script.includes("netem")) return this.tcWorks ? ok("") : fail("Error: Specified qdisc kind is unknown.");
    if (script.includes("iptables")) return this.iptables(script);
    return fail(`fake node does not know: ${script}`);
  }

  /** Tracks which rules each chain ends up with; enough to assert what a script leaves behind. */
  private iptables(script: string): ExecResult {
    for (const chain of ["SPLITBRAIN_LOSS", "SPLITBRAIN"]) {
      if (!script.includes(` ${chain}`)) continue;
      const rules = script
        .split("\n")
        .filter((l) => l.includes(`-A ${chain} `))
        .map((l) => l.replace(/^iptables -w -A \S+ /, ""));
      if (script.includes(`-X ${chain}`)) this.chains.delete(chain);
      else if (script.includes(`-F ${chain}`)) {
        if (rules.length > 0 || this.chains.has(chain)) this.chains.set(chain, rules);
      } else if (rules.length > 0) {
        // Appended to what the chain already holds (no flush in the script).
        this.chains.set(chain, [...(this.chains.get(chain) ?? []), ...rules]);
      }
      break;
    }
    return ok("");
  }

  private cli(args: string[], port: number): ExecResult {
    const key = args.join(" ");
    const canned = this.cliReplies.get(key);
    if (canned !== undefined) return ok(canned);
    if (this.proc !== "running") return fail("Could not connect to Redis");
    const [cmd, a1, a2, a3] = args.map((a) => a);
    switch (cmd?.toUpperCase()) {
      case "CONFIG":
        if (a1 === "GET") return ok(`${a2}\n${this.config[a2 as string] ?? ""}\n`);
        if (a1 === "SET") {
          this.config[a2 as string] = a3 as string;
          return ok("OK\n");
        }
        break;
      case "INFO":
        return ok(`# Memory\r\nused_memory:${this.usedMemory}\r\nused_memory_human:1M\r\n`);
      case "BGSAVE":
        return ok("Background saving started\n");
      case "BGREWRITEAOF":
        return ok("Background append only file rewriting started\n");
      case "ROLE":
        return ok(`${this.role}\n`);
      case "REPLICAOF":
        if (a1 === "NO" && a2 === "ONE") {
          this.role = "master";
          this.replicaOf = undefined;
        } else {
          this.role = "slave";
          this.replicaOf = `${a1}:${a2}`;
        }
        return ok("OK\n");
    }
    return ok(`ERR unknown command '${cmd}' on port ${port}\n`);
  }

  async startDb(): Promise<void> {
    this.calls.push("startDb");
    this.proc = "running";
  }

  async signalDb(signal: "SIGKILL" | "SIGTERM" | "SIGSTOP" | "SIGCONT"): Promise<void> {
    this.calls.push(signal);
    if (this.proc === "dead") throw new Error(`${this.name}: no database process to signal`);
    if (signal === "SIGKILL" || signal === "SIGTERM") this.proc = "dead";
    else if (signal === "SIGSTOP") this.proc = "paused";
    else this.proc = "running";
  }

  async dbRunning(): Promise<boolean> {
    return this.proc !== "dead";
  }

  async dbLog(): Promise<string> {
    return "";
  }
}

function ok(stdout: string): ExecResult {
  return { exitCode: 0, stdout, stderr: "" };
}

function fail(stderr: string): ExecResult {
  return { exitCode: 1, stdout: "", stderr };
}

export class FakeCluster implements Cluster {
  readonly runId = "test-run";
  readonly db = "redis" as const;
  readonly nodes: FakeNode[];
  readonly sentinels: FakeNode[];
  readonly endpoints: Endpoints;
  primaryName: string | undefined;
  primaryCalls = 0;
  /** Called by primary(): lets a test make the cluster move the primary (e.g. after SENTINEL FAILOVER). */
  onPrimaryAsked: (() => void) | undefined;

  constructor(
    readonly topology: TopologyName,
    dataNodes: number,
    sentinelNodes = 0,
  ) {
    this.nodes = Array.from({ length: dataNodes }, (_, i) => new FakeNode(`n${i + 1}`, `172.18.0.${i + 2}`));
    this.sentinels = Array.from(
      { length: sentinelNodes },
      (_, i) => new FakeNode(`s${i + 1}`, `172.18.0.${i + 100}`, { kind: "sentinel" }),
    );
    this.primaryName = "n1";
    const first = this.nodes[0] as FakeNode;
    first.role = "master";
    this.endpoints =
      topology === "sentinel"
        ? {
            kind: "sentinel",
            masterName: "mymaster",
            sentinels: (this.sentinels.length > 0 ? this.sentinels : this.nodes).map((n) => ({
              host: n.ip,
              port: 26379,
            })),
          }
        : topology === "cluster"
          ? { kind: "cluster", seeds: this.nodes.map((n) => ({ host: n.ip, port: n.port })) }
          : { kind: "single", host: first.ip, port: first.port, node: first.name };
  }

  node(name: string): FakeNode {
    const n = [...this.nodes, ...this.sentinels].find((x) => x.name === name);
    if (n === undefined) throw new Error(`no fake node ${name}`);
    return n;
  }

  async primary(): Promise<Node | undefined> {
    this.primaryCalls++;
    this.onPrimaryAsked?.();
    return this.primaryName === undefined ? undefined : this.node(this.primaryName);
  }

  async primaries(): Promise<Node[]> {
    const p = await this.primary();
    return p === undefined ? [] : [p];
  }

  nodeByAddress(host: string, port: number): Node | undefined {
    return [...this.nodes, ...this.sentinels].find((n) => n.ip === host && n.port === port);
  }
}

export function fakeContext(cluster: FakeCluster, seed = 42): NemesisContext & { lines: string[] } {
  const lines: string[] = [];
  return { cluster, rng: new SeededRng(seed), log: (l: string) => lines.push(l), lines };
}
