import { adminCall, tryAdminCall } from "../client/admin.js";
import { addRoutes } from "../client/connect.js";
import { probeTcp, publishBindIp, runnerSourceSeenBy } from "../client/probe.js";
import { type ClientModeChoice, type ClientModeDecision, decideClientMode, publishTargetFor } from "../client/reach.js";
import type { AddressMap } from "../core/cluster.js";
import { UsageError } from "../core/exit.js";
import { probeCapabilities } from "../db/capabilities.js";
import type { ContainerNeeds, Db, Launch } from "../db/db.js";
import { parseClusterNodes } from "../db/info.js";
import { settingKeys } from "../db/redis/adapter.js";
import { type ContainerBoot, createNodeContainer, DATA_DIR, execIn } from "../docker/container.js";
import { createRunNetwork } from "../docker/network.js";
import { CLUSTER_BUS_PORT, DB_PORT, type NodePlan, planLayout, SENTINEL_PORT } from "../topology/layout.js";
import { dataSizeBytes } from "../topology/sizes.js";
import type { ClusterSpec } from "../topology/spec.js";
import { DockerCluster, endpointsFor, type StartOptions } from "./dockerCluster.js";
import { lazyFsContainerNeeds } from "./lazyfs.js";
import { bootFor, DockerNode } from "./node.js";
import { saveNodeFile } from "./teardown.js";

/**
 * The phases of startCluster (start.ts), in the order it runs them. Each takes what the ones before made and
 * returns what it made; none cleans up after itself: a failure anywhere is startCluster's to clean up, by the run's
 * label, so a phase may throw half-way.
 */

/** What every phase is given: the spec, the engine, the caller's options, and the set-up's log and clock. */
export interface SetupContext {
  readonly spec: ClusterSpec;
  readonly db: Db;
  readonly opts: StartOptions;
  log(line: string): void;
  /** Logs a step, first stopping if set-up was aborted or interrupted. */
  step(name: string): void;
  /** Ends a timed phase: records the time since the previous one under `name`. */
  phase(name: string): void;
  readonly timings: Record<string, number>;
}

export interface RunNetwork {
  name: string;
  plans: NodePlan[];
  ipOf(name: string): string;
  /** Host address ports are published on; undefined when nothing is published (--client-mode direct). */
  publishAt: string | undefined;
}

export interface CreatedNode {
  plan: NodePlan;
  c: { id: string; ip: string; name: string; published?: Record<number, number> };
}

/** The run's private network and the layout of its nodes on it. */
export async function createNetwork(s: SetupContext, clientMode: ClientModeChoice): Promise<RunNetwork> {
  // auto publishes too: whether the runner reaches container addresses is only known once a node listens.
  const publishAt = clientMode === "direct" ? undefined : await publishBindIp();
  s.step(`creating network for run ${s.opts.runId}`);
  const network = await createRunNetwork(s.opts.runId, { publishable: publishAt !== undefined });
  const plans = planLayout(s.spec);
  const ipOf = (name: string) => network.ipFor(plans.find((p) => p.name === name)!.address);
  s.step(`created network ${network.name} (${network.subnet})`);
  return { name: network.name, plans, ipOf, publishAt };
}

/**
 * One container per planned node, all at once. `createdAt` is when start-up speed is judged from (issue 20).
 * With `launching` (startServersAsCreated), a container may launch its server itself as it starts, and each node's
 * processes start as soon as its container runs, while Docker still makes the others.
 */
export async function createNodeContainers(
  s: SetupContext,
  net: RunNetwork,
  image: string,
  launching?: {
    /** Told of each container as soon as it runs. */
    onCreated(node: CreatedNode): void;
    /** What a node's container launches itself as it starts, if anything. */
    bootOf(plan: NodePlan): ContainerBoot | undefined;
  },
): Promise<{ created: CreatedNode[]; createdAt: number }> {
  const { spec, opts } = s;
  const needs = s.db.containerNeeds(spec);
  const ulimits = needs.ulimits;
  const lazyNeeds = opts.lazyFs ? await lazyFsContainerNeeds() : undefined;
  const createdAt = Date.now();
  const created = await Promise.all(
    net.plans.map(async (plan) => {
      const boot = launching?.bootOf(plan);
      const c = await createNodeContainer({
        ...(boot ? { boot } : {}),
        runId: opts.runId,
        name: plan.name,
        image,
        ip: net.ipOf(plan.name),
        network: net.name,
        tmpfsDataSize: String(spec.dataSizeBytes),
        ...(plan.kind === "data" && spec.memoryLimit !== undefined
          ? { memoryLimit: dataSizeBytes(spec.memoryLimit)! }
          : {}),
        ...(lazyNeeds && plan.kind === "data" ? lazyNeeds : {}),
        ...(ulimits.length ? { ulimits } : {}),
        ...(net.publishAt !== undefined ? { publish: { hostIp: net.publishAt, ports: servedPorts(plan) } } : {}),
      }).catch((err: Error) => {
        throw refusedUlimits(err, needs) ?? err;
      });
      s.log(`created ${plan.name} (${c.ip})`);
      launching?.onCreated({ plan, c });
      return { plan, c };
    }),
  );
  s.step(`created ${created.length} nodes`);
  s.phase("containers");
  return { created, createdAt };
}

/** Asks a created node what this runtime allows (Db.prepare), for the spec the launches use. */
export async function prepareEngine(
  s: SetupContext,
  created: readonly CreatedNode[],
): Promise<{ launchSpec: ClusterSpec; found: Record<string, unknown> }> {
  const found: Record<string, unknown> = {};
  if (!s.db.prepare) return { launchSpec: s.spec, found };
  const first = created.find((x) => x.plan.kind === "data")!;
  const prepared = await s.db.prepare(s.spec, (cmd) => execIn(first.c.id, cmd, { timeoutMs: 30_000 }));
  Object.assign(found, prepared.found);
  s.log(`${s.db.label} runtime: ${JSON.stringify(prepared.found)}`);
  s.phase("prepare");
  return { launchSpec: prepared.spec, found };
}

/**
 * The node objects, each with the configs and command lines of its processes rendered by the engine. Pushed onto
 * `nodes` one by one, so a failure leaves the caller those made so far.
 */
export function renderNodes(
  s: SetupContext,
  net: RunNetwork,
  created: readonly CreatedNode[],
  launchSpec: ClusterSpec,
  nodes: DockerNode[],
): void {
  for (const cn of created) nodes.push(renderNode(s, cn, launchesFor(s, net, cn.plan, launchSpec)));
}

/** One node object, with the configs and command lines of its processes rendered by the engine. */
function renderNode(
  s: SetupContext,
  { plan, c }: CreatedNode,
  launches: Launch[],
  booted?: { process?: Launch["process"] },
): DockerNode {
  const { opts } = s;
  return new DockerNode({
    name: plan.name,
    kind: plan.kind,
    ip: c.ip,
    port: plan.port,
    containerId: c.id,
    dataDir: DATA_DIR,
    ...(opts.lazyFs && plan.kind === "data" ? { lazyFs: opts.lazyFs } : {}),
    launches,
    ...(booted ? { booted } : {}),
    saveConfig: (node, saveAs, contents) => saveNodeFile(opts.resultsDir, node, saveAs, contents),
  });
}

/** The engine's launches for a node: its server's on a data node, and Sentinel's where one runs. */
function launchesFor(s: SetupContext, net: RunNetwork, plan: NodePlan, launchSpec: ClusterSpec): Launch[] {
  const { opts, db } = s;
  const primaryAddr = { ip: net.ipOf("n1"), port: DB_PORT };
  // Sentinels start knowing the replicas and each other, as they would after discovery (src/db/sentinel.ts).
  const known = {
    replicas: net.plans
      .filter((p) => p.kind === "data" && p.role === "replica")
      .map((p) => ({ ip: net.ipOf(p.name), port: p.port })),
    sentinels: net.plans.filter((p) => p.runsSentinel).map((p) => ({ name: p.name, ip: net.ipOf(p.name) })),
  };
  const view = { runId: opts.runId, plan, ip: net.ipOf(plan.name), ipOf: net.ipOf };
  const launches: Launch[] = [];
  if (plan.kind === "data") launches.push(db.serverLaunch(launchSpec, view));
  if (plan.runsSentinel) launches.push(db.sentinelLaunch(launchSpec, view, primaryAddr, known));
  return launches;
}

/** Routes for dialling container addresses through published ports. */
export interface SetupRoutes {
  /** Container address -> published address; undefined when nothing is published. */
  addressMap: AddressMap | undefined;
  /** Routes the ports of more nodes (each as soon as it is created). */
  add(created: readonly CreatedNode[]): void;
  /** Withdraws the routes (at teardown, or when set-up fails). */
  withdraw(): void;
  /** Withdraws them for good, when clients turn out to reach containers directly. */
  drop(): void;
}

/** Until the probe says otherwise, set-up talks to nodes through their published ports, which work everywhere. */
export function routeThroughPublished(created: readonly CreatedNode[], publishAt: string | undefined): SetupRoutes {
  const dialHost = publishTargetFor(process.env.DOCKER_HOST).dialHost;
  const addressMap: AddressMap | undefined = publishAt === undefined ? undefined : {};
  let withdrawals: Array<() => void> = [];
  let dropped = false;
  const routes: SetupRoutes = {
    addressMap,
    add(more) {
      if (!addressMap || dropped) return;
      const map: AddressMap = Object.fromEntries(
        more.flatMap(({ c }) =>
          Object.entries(c.published ?? {}).map(([p, hostPort]) => [
            `${c.ip}:${p}`,
            { host: dialHost, port: hostPort },
          ]),
        ),
      );
      Object.assign(addressMap, map);
      withdrawals.push(addRoutes(map));
    },
    withdraw: () => {
      for (const w of withdrawals) w();
      withdrawals = [];
    },
    drop: () => {
      routes.withdraw();
      dropped = true;
    },
  };
  routes.add(created);
  return routes;
}

/**
 * Starts every data node's server and waits until each answers; returns the Sentinels' start, begun early where
 * the engine allows it, or to be begun once replication is wired.
 */
export async function startServers(
  s: SetupContext,
  nodes: readonly DockerNode[],
  clientMode: ClientModeChoice,
): Promise<() => Promise<unknown>> {
  const data = nodes.filter((n) => n.kind === "data");
  // Sentinels need not wait for replication: they are told the replicas. They start once the primary answers, so
  // none ever watches a primary that is not up yet (down-after-milliseconds would run from their start). Engines
  // that attach replicas by command (Dragonfly) still start them after replication, as before.
  const sentinelProcs = nodes.filter((n) => n.launches.some((l) => l.process === "sentinel"));
  const startSentinels = () => Promise.all(sentinelProcs.map((n) => n.start(["sentinel"])));
  const early = sentinelsEarly(s);
  const primaryUp = data[0]!.start(["db"]);
  const sentinelsUp = early
    ? Promise.all([primaryUp, ...sentinelProcs.map((n) => n.prepare())]).then(startSentinels)
    : undefined;
  // Settled either way below; an early failure must not surface as an unhandled rejection meanwhile.
  sentinelsUp?.catch(() => undefined);
  await serversAnswer(s, [primaryUp, ...data.slice(1).map((n) => n.start(["db"]))], data.length, clientMode);
  return () => sentinelsUp ?? startSentinels();
}

/** Whether Sentinels start once the primary answers rather than after replication is wired (see startServers). */
function sentinelsEarly(s: SetupContext): boolean {
  return s.db.replicaOfBy === "config" && s.spec.topology === "sentinel";
}

async function serversAnswer(
  s: SetupContext,
  starts: Array<Promise<unknown>>,
  count: number,
  clientMode: ClientModeChoice,
): Promise<void> {
  await Promise.all(starts).catch((err: Error) => {
    throw clientMode === "direct" && /ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|timed out/i.test(err.message)
      ? new UsageError(
          `${err.message.split("\n")[0]}: with --client-mode direct the runner must reach container addresses`,
          "use --client-mode auto (or published): ports are then published on the Docker host",
        )
      : err;
  });
  s.step(`${s.db.label} answers PING on ${count} data node(s)`);
  s.phase("servers");
}

/**
 * What startServers does, but node by node as each container comes up (createNodeContainers' onCreated), so
 * servers start while Docker is still making the other containers: the slowest part of a start on a busy host.
 * Only for engines that need no created node to render their launches (no Db.prepare). Sentinels start as in
 * startServers: once the primary answers (and their own container runs), or after replication.
 */
export function startServersAsCreated(
  s: SetupContext,
  net: RunNetwork,
  routes: SetupRoutes,
  nodes: DockerNode[],
): {
  /** Cluster topology: each shard primary's claim of its epoch and slots (claimSlots), made once it answers. */
  claimed: ReadonlyMap<string, Promise<void>>;
  onCreated(created: CreatedNode): void;
  bootOf(plan: NodePlan): ContainerBoot | undefined;
  /** Once every container exists: waits for every server, as startServers does. */
  serversUp(clientMode: ClientModeChoice): Promise<() => Promise<unknown>>;
} {
  if (s.db.prepare) throw new Error(`${s.db.label} renders its launches from a created node: use startServers`);
  const primaryName = net.plans.find((p) => p.kind === "data")!.name;
  let primaryStarted: (up: Promise<void>) => void = () => undefined;
  const primaryUp = new Promise<void>((resolve) => {
    primaryStarted = resolve;
  });
  const early = sentinelsEarly(s);
  const dbStarts: Array<Promise<void>> = [];
  const sentinelStarts: Array<Promise<void>> = [];
  const order = new Map(net.plans.map((p, i) => [p.name, i]));
  const claimed = new Map<string, Promise<void>>();
  const launches = new Map(net.plans.map((p) => [p.name, launchesFor(s, net, p, s.spec)]));
  // Every container is created with its files in place. A data node's launches its server itself, unless the lazy
  // filesystem must be mounted first (the files are elsewhere: its mount covers the data directory only).
  // Sentinels wait for the primary, as in startServers.
  const bootProcess = (plan: NodePlan) => (plan.kind === "data" && !s.opts.lazyFs ? "db" : undefined);
  return {
    claimed,
    bootOf: (plan) => bootFor(launches.get(plan.name)!, bootProcess(plan)),
    onCreated(created) {
      const process = bootProcess(created.plan);
      const node = renderNode(s, created, launches.get(created.plan.name)!, process ? { process } : {});
      nodes.push(node);
      routes.add([created]);
      if (node.kind === "data") {
        let up = node.start(["db"]);
        if (s.spec.topology === "cluster" && created.plan.role === "primary") {
          const claim = up.then(() => claimSlots(node, net.plans));
          claim.catch(() => undefined);
          claimed.set(node.name, claim);
          up = claim;
        }
        // Awaited in serversUp; a failure must not surface as an unhandled rejection meanwhile.
        up.catch(() => undefined);
        dbStarts.push(up);
        if (node.name === primaryName) primaryStarted(up);
      }
      if (early && node.launches.some((l) => l.process === "sentinel")) {
        const up = Promise.all([primaryUp, node.prepare()]).then(() => node.start(["sentinel"]));
        up.catch(() => undefined);
        sentinelStarts.push(up);
      }
    },
    async serversUp(clientMode) {
      // The rest of set-up reads nodes in plan order (n1, the primary, first), as renderNodes leaves them.
      nodes.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
      await serversAnswer(s, dbStarts, dbStarts.length, clientMode);
      const sentinelProcs = nodes.filter((n) => n.launches.some((l) => l.process === "sentinel"));
      return () => (early ? Promise.all(sentinelStarts) : Promise.all(sentinelProcs.map((n) => n.start(["sentinel"]))));
    },
  };
}

/** Whether the runner reaches container addresses (asked of the first data node); drops the routes if it does. */
export async function probeClientMode(
  s: SetupContext,
  probed: DockerNode,
  clientMode: ClientModeChoice,
  routes: SetupRoutes,
): Promise<ClientModeDecision> {
  const undoProbeSetup = s.opts.aroundReachProbe ? await s.opts.aroundReachProbe(probed) : undefined;
  const probe = await probeTcp(probed.ip, probed.port).finally(() => undoProbeSetup?.());
  const decision = decideClientMode(clientMode, probe);
  if (decision.mode === "direct") routes.drop();
  s.step(`clients: ${decision.mode} (${decision.why})`);
  s.phase("reach");
  return decision;
}

/** Replication as the topology wants it: a Redis Cluster formed, or replicas told their primary by command. */
export async function wireReplication(
  s: SetupContext,
  data: DockerNode[],
  plans: NodePlan[],
  claimed?: ReadonlyMap<string, Promise<void>>,
): Promise<void> {
  if (s.spec.topology === "cluster") await formRedisCluster(data, plans, s.opts.signal, claimed);
  else if (s.db.replicaOfBy === "command" && s.spec.topology !== "single") await attachReplicas(data, plans);
  s.phase("replication");
}

export async function startSentinels(s: SetupContext, sentinelsUp: () => Promise<unknown>): Promise<void> {
  await sentinelsUp();
  s.step(s.spec.topology === "sentinel" ? `Sentinels answer PING` : `all processes answer`);
  s.phase("sentinels");
}

/** The Cluster seam over the nodes, with how clients reach them and what the engine found about the runtime. */
export function assembleCluster(
  s: SetupContext,
  nodes: readonly DockerNode[],
  created: readonly CreatedNode[],
  decision: ClientModeDecision,
  routes: SetupRoutes,
  found: Record<string, unknown>,
): DockerCluster {
  const data = nodes.filter((n) => n.kind === "data");
  const sentinelOnly = nodes.filter((n) => n.kind === "sentinel");
  const sentinelIps = nodes.filter((n) => n.launches.some((l) => l.process === "sentinel")).map((n) => n.ip);
  const clientMap = decision.mode === "published" ? routes.addressMap : undefined;
  const cluster = new DockerCluster(
    s.spec,
    data,
    sentinelOnly,
    endpointsFor(s.spec, data, sentinelIps, clientMap),
    s.opts,
  );
  cluster.withdrawRoutes = routes.withdraw;
  cluster.reach = {
    ...decision,
    ...(clientMap ? { published: publishedByNode(created.map((x) => x.c)) } : {}),
    runnerSeenAs: {},
  };
  Object.assign(cluster.runtime, found);
  return cluster;
}

/** Waits for the topology to be healthy, then puts back what the engine set only to get there sooner. */
export async function becomeHealthy(s: SetupContext, cluster: DockerCluster, createdAt: number): Promise<void> {
  await cluster.waitHealthy();
  s.step(`healthy: ${describeShape(s.spec)}`);
  s.phase("health");
  s.timings["created-to-healthy"] = Date.now() - createdAt;
  await restoreEngineDefaults(s.db, s.spec, cluster.nodes);
}

/** Asks every data node's server who it is and what it can do; refuses settings the server does not know. */
export async function identifyServers(s: SetupContext, cluster: DockerCluster): Promise<void> {
  const data = cluster.nodes;
  for (const n of data) {
    cluster.capabilities[n.name] = await probeCapabilities(
      (cmd, ...args) => adminCall(n.ip, n.port, [cmd, ...args]),
      settingKeys(s.spec),
    );
  }
  const refusals = s.db.capabilityRefusals(s.spec, cluster.capabilities[data[0]!.name]!);
  if (refusals.length) throw new UsageError(refusals.join("\n"), "drop the settings this server does not know");
  s.phase("capabilities");
}

/** The source address each node sees on the runner's connections (what --partition-clients drops). */
export async function measureRunnerSource(s: SetupContext, cluster: DockerCluster): Promise<void> {
  for (const n of [...cluster.nodes, ...cluster.sentinels]) {
    const seen = await runnerSourceSeenBy(n.ip, n.kind === "data" ? n.port : SENTINEL_PORT);
    if (seen !== undefined) cluster.reach.runnerSeenAs[n.name] = seen;
  }
  s.phase("runner-source");
}

/** Ports a node serves: its database, and Sentinel's where one runs. */
function servedPorts(plan: NodePlan): number[] {
  if (plan.kind === "sentinel") return [SENTINEL_PORT];
  return plan.runsSentinel ? [plan.port, SENTINEL_PORT] : [plan.port];
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

function publishedByNode(
  containers: ReadonlyArray<{ name: string; published?: Record<number, number> }>,
): Record<string, Record<string, string>> {
  const dialHost = publishTargetFor(process.env.DOCKER_HOST).dialHost;
  return Object.fromEntries(
    containers.map((c) => [
      c.name,
      Object.fromEntries(Object.entries(c.published ?? {}).map(([p, h]) => [p, `${dialHost}:${h}`])),
    ]),
  );
}

function describeShape(spec: ClusterSpec): string {
  if (spec.topology === "single") return "1 node";
  if (spec.topology === "cluster") return `3 primaries x ${spec.replicas} replica(s)`;
  const s =
    spec.topology === "sentinel"
      ? `, ${spec.sentinel.count} Sentinels${spec.sentinel.colocated ? " (co-located)" : ""}`
      : "";
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
async function formRedisCluster(
  data: DockerNode[],
  plans: NodePlan[],
  signal?: AbortSignal,
  claimed?: ReadonlyMap<string, Promise<void>>,
): Promise<void> {
  const byName = new Map(data.map((n) => [n.name, n]));
  await Promise.all(
    plans
      .filter((p) => p.role === "primary")
      .map((p) => claimed?.get(p.name) ?? claimSlots(byName.get(p.name)!, plans)),
  );
  const first = data[0]!;
  // Each node meets the first, rather than the first meeting each in turn: the handshakes proceed in parallel and
  // gossip introduces the rest. A replica also meets its own primary, which it must know before it can follow it.
  const meet = (n: DockerNode, peer: DockerNode) =>
    adminCall(n.ip, n.port, ["CLUSTER", "MEET", peer.ip, String(peer.port), String(CLUSTER_BUS_PORT)]);
  await Promise.all(
    data.slice(1).map(async (n) => {
      await meet(n, first);
      const own = plans.find((p) => p.name === n.name)?.replicaOf;
      if (own && own !== first.name) await meet(n, byName.get(own)!);
    }),
  );
  const ids = new Map<string, string>(
    await Promise.all(
      data.map(async (n) => [n.name, String(await adminCall(n.ip, n.port, ["CLUSTER", "MYID"]))] as [string, string]),
    ),
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
 * A shard primary takes its config epoch and its slots, alone, before it meets anyone (SET-CONFIG-EPOCH needs a node
 * that knows no other). Distinct epochs up front spare the cluster its epoch-collision dance. Done as soon as the
 * server answers: a primary that is still slotless 2 s after its start counts itself in a minority (no reachable
 * primary with slots), and Redis then holds its cluster_state at fail for min(cluster-node-timeout, 5 s) more after
 * the cluster is complete (clusterUpdateState's rejoin delay), which was most of a cluster's start on a busy host.
 */
async function claimSlots(n: DockerNode, plans: readonly NodePlan[]): Promise<void> {
  const primaries = plans.filter((p) => p.role === "primary");
  const i = primaries.findIndex((p) => p.name === n.name);
  await adminCall(n.ip, n.port, ["CLUSTER", "SET-CONFIG-EPOCH", String(i + 1)]);
  for (const [lo, hi] of primaries[i]!.slots)
    await adminCall(n.ip, n.port, ["CLUSTER", "ADDSLOTSRANGE", String(lo), String(hi)]);
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
