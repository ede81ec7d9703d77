import { engineOf } from "../db/engines.js";
import { dbFor } from "../db/index.js";
import { onTeardown, removeRun, trackRun } from "../docker/cleanup.js";
import { ensureNodeImage } from "../image/images.js";
import type { ClusterSpec } from "../topology/spec.js";
import type { DockerCluster, RunningCluster, StartOptions } from "./dockerCluster.js";
import type { DockerNode } from "./node.js";
import { validateClusterSpec } from "./options.js";
import {
  assembleCluster,
  becomeHealthy,
  type CreatedNode,
  createNetwork,
  createNodeContainers,
  identifyServers,
  measureRunnerSource,
  prepareEngine,
  probeClientMode,
  renderNodes,
  routeThroughPublished,
  type SetupContext,
  startSentinels,
  startServers,
  startServersAsCreated,
  wireReplication,
} from "./phases.js";
import { teardownRun } from "./teardown.js";

export type { ClientReach, RunningCluster, StartOptions } from "./dockerCluster.js";

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

/**
 * Starts the spec's topology on a fresh network and waits until it is healthy: the phases of phases.ts in order.
 * Anything that fails or is aborted half-way tears down what exists (the run's label finds it all), so set-up never
 * leaks containers.
 */
export async function startCluster(spec: ClusterSpec, opts: StartOptions): Promise<RunningCluster> {
  validateClusterSpec(spec);
  const db = dbFor(spec.db);
  const log = opts.log ?? (() => undefined);
  const image =
    opts.image ??
    spec.image ??
    (await ensureNodeImage({ image: engineOf(spec.db).image, ...(spec.version ? { version: spec.version } : {}) }));
  // An interrupt (Ctrl-C, SIGTERM) during set-up stops further steps; removeRun refuses new creations and waits for
  // those in flight, so a container whose create was unanswered when the interrupt came is not left behind.
  const interrupted = new AbortController();
  const t0 = Date.now();
  let mark = t0;
  const s: SetupContext = {
    spec,
    db,
    opts,
    log,
    timings: {},
    step(name) {
      opts.signal?.throwIfAborted();
      interrupted.signal.throwIfAborted();
      log(name);
    },
    phase(name) {
      const now = Date.now();
      s.timings[name] = now - mark;
      mark = now;
    },
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
    const clientMode = opts.clientMode ?? "auto";
    const net = await createNetwork(s, clientMode);
    const routes = routeThroughPublished([], net.publishAt);
    withdrawAll = routes.withdraw;
    let created: CreatedNode[];
    let createdAt: number;
    let found: Record<string, unknown> = {};
    let sentinelsUp: () => Promise<unknown>;
    let claimed: ReadonlyMap<string, Promise<void>> | undefined;
    if (db.prepare) {
      ({ created, createdAt } = await createNodeContainers(s, net, image));
      let launchSpec: ClusterSpec;
      ({ launchSpec, found } = await prepareEngine(s, created));
      renderNodes(s, net, created, launchSpec, nodes);
      routes.add(created);
      sentinelsUp = await startServers(s, nodes, clientMode);
    } else {
      const launching = startServersAsCreated(s, net, routes, nodes);
      ({ created, createdAt } = await createNodeContainers(s, net, image, launching));
      sentinelsUp = await launching.serversUp(clientMode);
      claimed = launching.claimed;
    }
    const data = nodes.filter((n) => n.kind === "data");
    const decision = await probeClientMode(s, data[0]!, clientMode, routes);
    await wireReplication(s, data, net.plans, claimed);
    await startSentinels(s, sentinelsUp);
    cluster = assembleCluster(s, nodes, created, decision, routes, found);
    await becomeHealthy(s, cluster, createdAt);
    await identifyServers(s, cluster);
    await measureRunnerSource(s, cluster);
    Object.assign(cluster.timings, s.timings, { total: Date.now() - t0 });
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
