import { UsageError } from "../core/exit.js";
import { onTeardown, removeRun, trackRun, untrackRun } from "../docker/cleanup.js";
import { createNodeContainer, DATA_DIR, execIn } from "../docker/container.js";
import { createRunNetwork } from "../docker/network.js";
import { ensureNodeImage } from "../image/images.js";
import { probeCapabilities, type Capabilities } from "../db/capabilities.js";
import type { ContainerNeeds, Db, Launch } from "../db/db.js";
import { dbFor } from "../db/index.js";
import { parseClusterNodes } from "../db/info.js";
import { settingKeys } from "../db/redis/adapter.js";
import { adminCall, tryAdminCall } from "../client/admin.js";
import { discoverPrimaries } from "./discovery.js";
import { dataSizeBytes } from "../topology/sizes.js";
import { waitHealthy, type HealthTarget } from "./health.js";
import { CLUSTER_BUS_PORT, DB_PORT, planLayout, SENTINEL_PORT, MASTER_NAME, type NodePlan } from "../topology/layout.js";
import { DockerNode } from "./node.js";
import { lazyFsContainerNeeds, type LazyFsOptions } from "./lazyfs.js";
import { validateClusterSpec } from "./options.js";
import type { ClusterSpec } from "../topology/spec.js";
import { saveNodeFile, teardownRun } from "./teardown.js";
import type { AddressMap, Cluster, DbName, Endpoints, Node, TopologyName } from "../core/cluster.js";
import { addRoutes } from "../client/connect.js";
import { probeTcp, publishBindIp, runnerSourceSeenBy } from "../client/probe.js";
import { containerAddressFor, decideClientMode, publishTargetFor, type ClientModeChoice, type ClientModeDecision } from "../client/reach.js";

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

/**
 * Set-up stopped because the process is being interrupted (SIGINT/SIGTERM): the signal handler owns cleanup and
 * the exit code, so a caller seeing this should wait for it rather than exit on its own.
 */
export class SetupInterruptedError extends Error {
  constructor(readonly runId: string) {
    super(`set-up of run ${runId} was interrupted`);
    this.name = "SetupInterruptedError";
  }
}

class DockerCluster implements RunningCluster {
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
    return this.allNodes.find((n) => n.ip === host && (n.port === port || (port === SENTINEL_PORT && n.launches.length > 1)));
  }

  sentinelIps(): string[] {
    return this.allNodes.filter((n) => n.launches.some((l) => l.process === "sentinel")).map((n) => n.ip);
  }

  healthTarget(): HealthTarget {
    return {
      topology: this.topology,
      data: this.nodes.map((n) => ({ name: n.name, ip: n.ip, port: n.port })),
      sentinels: this.allNodes.filter((n) => n.launches.some((l) => l.process === "sentinel")).map((n) => ({ name: n.name, ip: n.ip })),
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
        const parts = await Promise.all(node.launches.map(async (l) => `[${l.process}]\n${await node.processLog(l.process, 15)}`));
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
        await teardownRun(this.runId, this.allNodes, this.opts.resultsDir, { keep, log: this.opts.log ?? (() => undefined) });
      } finally {
        this.withdrawRoutes();
      }
    })();
    return this.tornDown;
  }
}

function endpointsFor(spec: ClusterSpec, nodes: readonly DockerNode[], sentinelIps: string[], addressMap?: AddressMap): Endpoints {
  const map = addressMap ? { addressMap } : {};
  if (spec.topology === "sentinel") {
    return { kind: "sentinel", sentinels: sentinelIps.map((host) => ({ host, port: SENTINEL_PORT })), masterName: MASTER_NAME, ...map };
  }
  if (spec.topology === "cluster") return { kind: "cluster", seeds: nodes.map((n) => ({ host: n.ip, port: n.port })), ...map };
  const primary = nodes[0]!;
  return { kind: "single", host: primary.ip, port: primary.port, node: primary.name, ...map };
}

/** Ports a node serves: its database, and Sentinel's where one runs. */
function servedPorts(plan: NodePlan): number[] {
  if (plan.kind === "sentinel") return [SENTINEL_PORT];
  return plan.runsSentinel ? [plan.port, SENTINEL_PORT] : [plan.port];
}

/**
 * Starts the spec's topology on a fresh network and waits until it is healthy. Anything that fails or is aborted
 * half-way tears down what exists (the run's label finds it all), so set-up never leaks containers.
 */
export async function startCluster(spec: ClusterSpec, opts: StartOptions): Promise<RunningCluster> {
  validateClusterSpec(spec);
  const db = dbFor(spec.db);
  const log = opts.log ?? (() => undefined);
  const image =
    opts.image ?? spec.image ?? (await ensureNodeImage({ db: spec.db, ...(spec.version ? { version: spec.version } : {}) }));
  const needs = db.containerNeeds(spec);
  const ulimits = needs.ulimits;
  // An interrupt (Ctrl-C, SIGTERM) during set-up stops further steps; removeRun refuses new creations and waits for
  // those in flight, so a container whose create was unanswered when the interrupt came is not left behind.
  const interrupted = new AbortController();
  const step = (name: string) => {
    opts.signal?.throwIfAborted();
    interrupted.signal.throwIfAborted();
    log(name);
  };
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  let mark = t0;
  const phase = (name: string) => {
    const now = Date.now();
    timings[name] = now - mark;
    mark = now;
  };

  // Registered before anything exists, so an interrupt at any point removes whatever was made so far.
  trackRun(opts.runId);
  const unregisterSetup = onTeardown(`set-up of run ${opts.runId}`, async () => {
    interrupted.abort(new SetupInterruptedError(opts.runId));
    await removeRun(opts.runId);
  });
  const nodes: DockerNode[] = [];
  let cluster: DockerCluster | undefined;
  let withdrawAll: (() => void) | undefined;
  try {
    // auto publishes too: whether the runner reaches container addresses is only known once a node listens.
    const clientMode = opts.clientMode ?? "auto";
    const publishAt = clientMode === "direct" ? undefined : await publishBindIp();
    step(`creating network for run ${opts.runId}`);
    const network = await createRunNetwork(opts.runId, { publishable: publishAt !== undefined });
    const plans = planLayout(spec);
    const ipOf = (name: string) => network.ipFor(plans.find((p) => p.name === name)!.address);
    step(`created network ${network.name} (${network.subnet})`);

    const primaryAddr = { ip: ipOf("n1"), port: DB_PORT };
    // Sentinels start knowing the replicas and each other, as they would after discovery (src/db/sentinel.ts).
    const known = {
      replicas: plans.filter((p) => p.kind === "data" && p.role === "replica").map((p) => ({ ip: ipOf(p.name), port: p.port })),
      sentinels: plans.filter((p) => p.runsSentinel).map((p) => ({ name: p.name, ip: ipOf(p.name) })),
    };
    const launchesFor = (plan: NodePlan): Launch[] => {
      const view = { runId: opts.runId, plan, ip: ipOf(plan.name), ipOf };
      const out: Launch[] = [];
      if (plan.kind === "data") out.push(db.serverLaunch(launchSpec, view));
      if (plan.runsSentinel) out.push(db.sentinelLaunch(launchSpec, view, primaryAddr, known));
      return out;
    };
    const lazyNeeds = opts.lazyFs ? await lazyFsContainerNeeds() : undefined;
    // Start-up speed is judged from here (issue 20): what comes before is the network, not the topology.
    const createdAt = Date.now();
    const created = await Promise.all(
      plans.map(async (plan) => {
        const c = await createNodeContainer({
          runId: opts.runId,
          name: plan.name,
          image,
          ip: ipOf(plan.name),
          network: network.name,
          tmpfsDataSize: String(spec.dataSizeBytes),
          ...(plan.kind === "data" && spec.memoryLimit !== undefined ? { memoryLimit: dataSizeBytes(spec.memoryLimit)! } : {}),
          ...(lazyNeeds && plan.kind === "data" ? lazyNeeds : {}),
          ...(ulimits.length ? { ulimits } : {}),
          ...(publishAt !== undefined ? { publish: { hostIp: publishAt, ports: servedPorts(plan) } } : {}),
        }).catch((err: Error) => {
          throw refusedUlimits(err, needs) ?? err;
        });
        log(`created ${plan.name} (${c.ip})`);
        return { plan, c };
      }),
    );
    step(`created ${created.length} nodes`);
    phase("containers");
    let launchSpec = spec;
    const found: Record<string, unknown> = {};
    if (db.prepare) {
      const first = created.find((x) => x.plan.kind === "data")!;
      const prepared = await db.prepare(spec, (cmd) => execIn(first.c.id, cmd, { timeoutMs: 30_000 }));
      launchSpec = prepared.spec;
      Object.assign(found, prepared.found);
      log(`${db.label} runtime: ${JSON.stringify(prepared.found)}`);
      phase("prepare");
    }
    for (const { plan, c } of created) {
      nodes.push(
        new DockerNode({
          name: plan.name,
          kind: plan.kind,
          ip: c.ip,
          port: plan.port,
          containerId: c.id,
          dataDir: DATA_DIR,
          ...(opts.lazyFs && plan.kind === "data" ? { lazyFs: opts.lazyFs } : {}),
          launches: launchesFor(plan),
          saveConfig: (node, saveAs, contents) => saveNodeFile(opts.resultsDir, node, saveAs, contents),
        }),
      );
    }
    const data = nodes.filter((n) => n.kind === "data");
    const sentinelOnly = nodes.filter((n) => n.kind === "sentinel");

    // Until the probe says otherwise, set-up talks to nodes through their published ports, which work everywhere.
    const dialHost = publishTargetFor(process.env.DOCKER_HOST).dialHost;
    const addressMap: AddressMap | undefined =
      publishAt === undefined
        ? undefined
        : Object.fromEntries(
            created.flatMap(({ c }) => Object.entries(c.published ?? {}).map(([p, hostPort]) => [`${c.ip}:${p}`, { host: dialHost, port: hostPort }])),
          );
    let withdrawRoutes = addressMap ? addRoutes(addressMap) : () => undefined;
    const undoRoutes = () => withdrawRoutes();
    withdrawAll = undoRoutes;

    // Sentinels need not wait for replication: they are told the replicas. They start once the primary answers, so
    // none ever watches a primary that is not up yet (down-after-milliseconds would run from their start). Engines
    // that attach replicas by command (Dragonfly) still start them after replication, as before.
    const sentinelProcs = nodes.filter((n) => n.launches.some((l) => l.process === "sentinel"));
    const startSentinels = () => Promise.all(sentinelProcs.map((n) => n.start(["sentinel"])));
    const early = db.replicaOfBy === "config" && spec.topology === "sentinel";
    const primaryUp = data[0]!.start(["db"]);
    const sentinelsUp = early ? Promise.all([primaryUp, ...sentinelProcs.map((n) => n.prepare())]).then(startSentinels) : undefined;
    // Settled either way below; an early failure must not surface as an unhandled rejection meanwhile.
    sentinelsUp?.catch(() => undefined);
    await Promise.all([primaryUp, ...data.slice(1).map((n) => n.start(["db"]))]).catch((err: Error) => {
      throw clientMode === "direct" && /ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|timed out/i.test(err.message)
        ? new UsageError(
            `${err.message.split("\n")[0]}: with --client-mode direct the runner must reach container addresses`,
            "use --client-mode auto (or published): ports are then published on the Docker host",
          )
        : err;
    });
    step(`${db.label} answers PING on ${data.length} data node(s)`);
    phase("servers");

    const probed = data[0]!;
    const undoProbeSetup = opts.aroundReachProbe ? await opts.aroundReachProbe(probed) : undefined;
    const probe = await probeTcp(probed.ip, probed.port).finally(() => undoProbeSetup?.());
    const decision = decideClientMode(clientMode, probe);
    if (decision.mode === "direct") {
      withdrawRoutes();
      withdrawRoutes = () => undefined;
    }
    step(`clients: ${decision.mode} (${decision.why})`);
    phase("reach");

    if (spec.topology === "cluster") await formRedisCluster(data, plans, opts.signal);
    else if (db.replicaOfBy === "command" && spec.topology !== "single") await attachReplicas(data, plans);
    phase("replication");

    await (sentinelsUp ?? startSentinels());
    step(spec.topology === "sentinel" ? `Sentinels answer PING` : `all processes answer`);
    phase("sentinels");

    const sentinelIps = nodes.filter((n) => n.launches.some((l) => l.process === "sentinel")).map((n) => n.ip);
    const clientMap = decision.mode === "published" ? addressMap : undefined;
    cluster = new DockerCluster(spec, data, sentinelOnly, endpointsFor(spec, data, sentinelIps, clientMap), opts);
    cluster.withdrawRoutes = undoRoutes;
    cluster.reach = {
      ...decision,
      ...(clientMap ? { published: publishedByNode(created.map((x) => x.c)) } : {}),
      runnerSeenAs: {},
    };
    Object.assign(cluster.runtime, found);
    await cluster.waitHealthy();
    step(`healthy: ${describeShape(spec)}`);
    phase("health");
    timings["created-to-healthy"] = Date.now() - createdAt;
    await restoreEngineDefaults(db, spec, data);

    for (const n of data) {
      cluster.capabilities[n.name] = await probeCapabilities(
        (cmd, ...args) => adminCall(n.ip, n.port, [cmd, ...args]),
        settingKeys(spec),
      );
    }
    const refusals = db.capabilityRefusals(spec, cluster.capabilities[data[0]!.name]!);
    if (refusals.length) throw new UsageError(refusals.join("\n"), "drop the settings this server does not know");
    phase("capabilities");
    for (const n of [...data, ...sentinelOnly]) {
      const seen = await runnerSourceSeenBy(n.ip, n.kind === "data" ? n.port : SENTINEL_PORT);
      if (seen !== undefined) cluster.reach.runnerSeenAs[n.name] = seen;
    }
    phase("runner-source");
    Object.assign(cluster.timings, timings, { total: Date.now() - t0 });
    unregisterSetup();
    return cluster;
  } catch (err) {
    log(`set-up failed (${(err as Error).message.split("\n")[0]}); removing run ${opts.runId}`);
    if (cluster) await cluster.teardown({ keep: false }).catch(() => undefined);
    else await teardownRun(opts.runId, nodes, opts.resultsDir, { keep: false, log }).catch(() => undefined);
    withdrawAll?.();
    // teardownRun swallowed its own failure; this says what is left (removeRun waits for creations a failing sibling
    // left in flight, and lists again until nothing is left).
    await removeRun(opts.runId).catch((e: Error) => log(`cleanup failed: ${e.message}`));
    unregisterSetup();
    throw err;
  }
}

/**
 * A runtime that cannot raise a limit above its own (dockerd's LimitMEMLOCK) fails the container's start with
 * "error setting rlimit": say which option asked for it and what to do, instead of the OCI error alone.
 */
function refusedUlimits(err: Error, needs: ContainerNeeds): UsageError | undefined {
  const ulimits = needs.ulimits;
  if (!ulimits.length || !/rlimit/i.test(err.message)) return undefined;
  const asked = ulimits.map((u) => `${u.Name}=${u.Soft < 0 ? "unlimited" : u.Soft}`).join(", ");
  return new UsageError(
    `the container runtime refused the node's ulimit ${asked} (${err.message.trim().split("\n")[0]})`,
    needs.refusedHint ?? "it cannot raise a limit above its own: ask for less, or raise the container runtime's limit",
  );
}

function publishedByNode(containers: ReadonlyArray<{ name: string; published?: Record<number, number> }>): Record<string, Record<string, string>> {
  const dialHost = publishTargetFor(process.env.DOCKER_HOST).dialHost;
  return Object.fromEntries(
    containers.map((c) => [c.name, Object.fromEntries(Object.entries(c.published ?? {}).map(([p, h]) => [p, `${dialHost}:${h}`]))]),
  );
}

function describeShape(spec: ClusterSpec): string {
  if (spec.topology === "single") return "1 node";
  if (spec.topology === "cluster") return `3 primaries x ${spec.replicas} replica(s)`;
  const s = spec.topology === "sentinel" ? `, ${spec.sentinel.count} Sentinels${spec.sentinel.colocated ? " (co-located)" : ""}` : "";
  return `1 primary + ${spec.replicas} replica(s)${s}`;
}

/** Engines that learn their primary by command (Dragonfly): REPLICAOF once every server is up. */
async function attachReplicas(data: DockerNode[], plans: NodePlan[]): Promise<void> {
  for (const plan of plans) {
    if (plan.role !== "replica" || !plan.replicaOf) continue;
    const node = data.find((n) => n.name === plan.name)!;
    const primary = data.find((n) => n.name === plan.replicaOf)!;
    await adminCall(node.ip, node.port, ["REPLICAOF", primary.ip, String(primary.port)]);
  }
}

/**
 * Forms a Redis Cluster by hand rather than with `redis-cli --cluster create`, so that which node is which shard's
 * primary is decided by the plan (n1..n3), not by redis-cli's placement heuristics.
 */
async function formRedisCluster(data: DockerNode[], plans: NodePlan[], signal?: AbortSignal): Promise<void> {
  const byName = new Map(data.map((n) => [n.name, n]));
  const primaries = plans.filter((p) => p.role === "primary");
  // Distinct config epochs up front spare the cluster its epoch-collision dance.
  await Promise.all(
    primaries.map(async (p, i) => {
      const n = byName.get(p.name)!;
      await adminCall(n.ip, n.port, ["CLUSTER", "SET-CONFIG-EPOCH", String(i + 1)]);
      for (const [lo, hi] of p.slots) await adminCall(n.ip, n.port, ["CLUSTER", "ADDSLOTSRANGE", String(lo), String(hi)]);
    }),
  );
  const first = data[0]!;
  // Each node meets the first, rather than the first meeting each in turn: the handshakes proceed in parallel and
  // gossip introduces the rest. A replica also meets its own primary, which it must know before it can follow it.
  const meet = (n: DockerNode, peer: DockerNode) => adminCall(n.ip, n.port, ["CLUSTER", "MEET", peer.ip, String(peer.port), String(CLUSTER_BUS_PORT)]);
  await Promise.all(
    data.slice(1).map(async (n) => {
      await meet(n, first);
      const own = plans.find((p) => p.name === n.name)?.replicaOf;
      if (own && own !== first.name) await meet(n, byName.get(own)!);
    }),
  );
  const ids = new Map<string, string>(
    await Promise.all(data.map(async (n) => [n.name, String(await adminCall(n.ip, n.port, ["CLUSTER", "MYID"]))] as [string, string])),
  );
  // A replica can only follow a primary it already knows through gossip, so retry until it does.
  const deadline = Date.now() + 30_000;
  await Promise.all(plans.filter((p) => p.role === "replica").map((plan) => replicate(plan)));
  async function replicate(plan: NodePlan): Promise<void> {
    const n = byName.get(plan.name)!;
    const primaryId = ids.get(plan.replicaOf!)!;
    for (;;) {
      signal?.throwIfAborted();
      const known = await tryAdminCall(n.ip, n.port, ["CLUSTER", "NODES"]);
      const sees = known.ok && parseClusterNodes(String(known.reply)).some((l) => l.id === primaryId && l.isPrimary);
      if (sees) {
        const r = await tryAdminCall(n.ip, n.port, ["CLUSTER", "REPLICATE", primaryId]);
        if (r.ok) return;
        if (Date.now() > deadline) throw new Error(`${n.name}: CLUSTER REPLICATE ${plan.replicaOf} failed: ${r.error}`);
      } else if (Date.now() > deadline) {
        throw new Error(`${n.name} never learnt of ${plan.replicaOf} through cluster gossip within 30 s`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Puts back what the engine set only to start sooner (Db.setUpOnly): dropped from each server's config file, so a
 * restarted process reads the default, and set on the running server. Runs before any workload or fault.
 */
async function restoreEngineDefaults(db: Db, spec: ClusterSpec, data: readonly DockerNode[]): Promise<void> {
  const undo = db.setUpOnly?.(spec);
  if (!undo || (undo.dropConfLines.length === 0 && undo.configSet.length === 0)) return;
  await Promise.all(
    data.map(async (n) => {
      for (const file of n.launches.find((l) => l.process === "db")?.files ?? []) {
        for (const line of undo.dropConfLines) {
          const r = await n.exec(["sed", "-i", `/^${line.replace(/[.*[\]^$/]/g, "\\$&")}$/d`, file.path]);
          if (r.exitCode !== 0) throw new Error(`could not restore ${file.path} on ${n.name}: ${r.stderr.trim()}`);
        }
      }
      for (const [key, value] of undo.configSet) await adminCall(n.ip, n.port, ["CONFIG", "SET", key, value]);
    }),
  );
}
