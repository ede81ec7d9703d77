import { type ClientModeChoice, type ClientModeDecision, containerAddressFor } from "../client/reach.js";
import type { AddressMap, Cluster, DbName, Endpoints, Node, TopologyName } from "../core/cluster.js";
import type { Capabilities } from "../db/capabilities.js";
import { onTeardown, untrackRun } from "../docker/cleanup.js";
import { MASTER_NAME, SENTINEL_PORT } from "../topology/layout.js";
import type { ClusterSpec } from "../topology/spec.js";
import { discoverPrimaries } from "./discovery.js";
import { type HealthTarget, waitHealthy } from "./health.js";
import type { LazyFsOptions } from "./lazyfs.js";
import type { DockerNode } from "./node.js";
import { teardownRun } from "./teardown.js";

export interface StartOptions {
  runId: string;
  /** results/<run>: configs, logs and INFO of every node land in its nodes/ directory. */
  resultsDir: string;
  /** Node image; when absent the spec's --image, else the newest local node image for the engine and version. */
  image?: string;
  log?(line: string): void;
  /** Bound on the health wait after every process answers. */
  healthTimeoutMs?: number;
  /** Abort set-up half-way (the test suite uses it; so can a caller with its own deadline). */
  signal?: AbortSignal;
  /** Mount every data node's data directory through the lazy filesystem (the power-loss fault needs it). */
  lazyFs?: LazyFsOptions;
  /** How the runner reaches nodes (`--client-mode`); default auto: probe, and publish ports in case it fails. */
  clientMode?: ClientModeChoice;
  /**
   * Called with the probed node just before the reachability probe; what it returns is awaited right after. Tests
   * use it to make container addresses unreachable for the probe alone (an iptables rule inside the node).
   */
  aroundReachProbe?: (node: DockerNode) => Promise<() => Promise<void>>;
}

/** How this run's clients reach the nodes, as recorded in test.json. */
export interface ClientReach extends ClientModeDecision {
  /** Published mode: node name -> "container port" -> "host:port" the runner dials. */
  published?: Record<string, Record<string, string>>;
  /** Node name -> source address the node sees on the runner's connections (what --partition-clients drops). */
  runnerSeenAs: Record<string, string>;
}

/** A started cluster: the Cluster seam plus what the runner needs to report on it and take it down. */
export interface RunningCluster extends Cluster {
  readonly spec: ClusterSpec;
  readonly nodes: readonly DockerNode[];
  readonly sentinels: readonly DockerNode[];
  /** Every node, data first. */
  readonly allNodes: readonly DockerNode[];
  /** What each data node's server said it can do, asked after start. */
  readonly capabilities: Record<string, Capabilities>;
  /** Milliseconds spent per set-up phase. */
  readonly timings: Record<string, number>;
  /** What the engine found about this runtime before its servers started (Dragonfly: the I/O engine). */
  readonly runtime: Record<string, unknown>;
  /** The client mode chosen for this run and why. */
  readonly reach: ClientReach;
  /** Waits until the cluster is healthy again (after faults are healed, before final reads). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Collects logs and INFO into results, then removes everything (or, with keep, prints how to reach it). */
  teardown(opts?: { keep?: boolean }): Promise<void>;
}

const DEFAULT_HEALTH_TIMEOUT_MS = 60_000;

export class DockerCluster implements RunningCluster {
  readonly runId: string;
  readonly db: DbName;
  readonly topology: TopologyName;
  readonly capabilities: Record<string, Capabilities> = {};
  readonly timings: Record<string, number> = {};
  readonly runtime: Record<string, unknown> = {};
  reach: ClientReach = { asked: "direct", mode: "direct", why: "", runnerSeenAs: {} };
  /** Withdraws this run's published routes (at teardown, once INFO has been collected through them). */
  withdrawRoutes: () => void = () => undefined;
  /** The teardown under way or done: a second caller (Ctrl-C's cleanup racing the run's own) waits for the same one. */
  private tornDown: Promise<void> | undefined;
  private readonly unregister: () => void;

  constructor(
    readonly spec: ClusterSpec,
    readonly nodes: readonly DockerNode[],
    readonly sentinels: readonly DockerNode[],
    readonly endpoints: Endpoints,
    private readonly opts: StartOptions,
  ) {
    this.runId = opts.runId;
    this.db = spec.db;
    this.topology = spec.topology;
    // Newer than the run's own interrupt hook, so on Ctrl-C logs are collected before the containers go.
    this.unregister = onTeardown(`collect logs of run ${this.runId}`, () => this.teardown({ keep: false }));
  }

  get allNodes(): readonly DockerNode[] {
    return [...this.nodes, ...this.sentinels];
  }

  async primary(): Promise<Node | undefined> {
    return (await this.primaries())[0];
  }

  primaries(): Promise<Node[]> {
    return discoverPrimaries({ topology: this.topology, data: this.nodes, sentinelIps: this.sentinelIps() });
  }

  get runnerSeenAs(): Readonly<Record<string, string>> {
    return this.reach.runnerSeenAs;
  }

  nodeByAddress(host: string, port: number): Node | undefined {
    const inside = this.endpoints.addressMap ? containerAddressFor(this.endpoints.addressMap, host, port) : undefined;
    if (inside) ({ host, port } = inside);
    return this.allNodes.find(
      (n) => n.ip === host && (n.port === port || (port === SENTINEL_PORT && n.launches.length > 1)),
    );
  }

  sentinelIps(): string[] {
    return this.allNodes.filter((n) => n.launches.some((l) => l.process === "sentinel")).map((n) => n.ip);
  }

  healthTarget(): HealthTarget {
    return {
      topology: this.topology,
      data: this.nodes.map((n) => ({ name: n.name, ip: n.ip, port: n.port })),
      sentinels: this.allNodes
        .filter((n) => n.launches.some((l) => l.process === "sentinel"))
        .map((n) => ({ name: n.name, ip: n.ip })),
      replicasPerPrimary: this.topology === "single" ? 0 : this.spec.replicas,
      primaries: this.topology === "cluster" ? 3 : 1,
    };
  }

  waitHealthy(timeoutMs = this.opts.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS): Promise<void> {
    return waitHealthy(this.healthTarget(), {
      timeoutMs,
      logTail: async (name) => {
        const node = this.allNodes.find((n) => n.name === name);
        if (!node) return "";
        const parts = await Promise.all(
          node.launches.map(async (l) => `[${l.process}]\n${await node.processLog(l.process, 15)}`),
        );
        return parts.join("\n");
      },
    });
  }

  teardown(opts: { keep?: boolean } = {}): Promise<void> {
    this.tornDown ??= (async () => {
      this.unregister();
      const keep = opts.keep ?? false;
      if (keep) untrackRun(this.runId);
      try {
        await teardownRun(this.runId, this.allNodes, this.opts.resultsDir, {
          keep,
          log: this.opts.log ?? (() => undefined),
        });
      } finally {
        this.withdrawRoutes();
      }
    })();
    return this.tornDown;
  }
}

export function endpointsFor(
  spec: ClusterSpec,
  nodes: readonly DockerNode[],
  sentinelIps: string[],
  addressMap?: AddressMap,
): Endpoints {
  const map = addressMap ? { addressMap } : {};
  if (spec.topology === "sentinel") {
    return {
      kind: "sentinel",
      sentinels: sentinelIps.map((host) => ({ host, port: SENTINEL_PORT })),
      masterName: MASTER_NAME,
      ...map,
    };
  }
  if (spec.topology === "cluster")
    return { kind: "cluster", seeds: nodes.map((n) => ({ host: n.ip, port: n.port })), ...map };
  const primary = nodes[0]!;
  return { kind: "single", host: primary.ip, port: primary.port, node: primary.name, ...map };
}
