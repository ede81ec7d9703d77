import { type RunningCluster, startCluster } from "../cluster/start.js";
import type { Target, TargetAllows } from "../core/cluster.js";
import { engineOf } from "../db/engines.js";
import { requireDocker } from "../docker/engine.js";
import { ensureNodeImage } from "../image/images.js";
import type { RunPlan } from "../rundir/plan.js";
import type { OpenOptions, PreparedTarget, TargetKind } from "./target.js";

/** A cluster this run starts in local (or remote) Docker and removes at the end: the default target. */
export const dockerTarget: TargetKind = {
  name: "docker",
  serves: () => true,
  async prepare(plan: RunPlan): Promise<PreparedTarget> {
    await requireDocker();
    const spec = plan.cluster;
    const image =
      spec.image ??
      (await ensureNodeImage({ image: engineOf(spec.db).image, ...(spec.version ? { version: spec.version } : {}) }));
    return {
      opening: `start cluster (${spec.db}, ${spec.topology})`,
      open: async (opts: OpenOptions) =>
        new DockerTarget(
          await startCluster(spec, {
            image,
            runId: opts.runId,
            resultsDir: opts.resultsDir,
            log: opts.log,
            ...(opts.signal ? { signal: opts.signal } : {}),
            ...(opts.lazyFs ? { lazyFs: opts.lazyFs } : {}),
            clientMode: plan.clientMode ?? "auto",
            ...(opts.aroundReachProbe ? { aroundReachProbe: opts.aroundReachProbe } : {}),
          }),
        ),
    };
  },
};

export class DockerTarget implements Target {
  readonly kind = "docker";
  readonly allows: TargetAllows = { nodeControl: true, resourceStats: true };

  constructor(readonly cluster: RunningCluster) {}

  get allNodes(): RunningCluster["allNodes"] {
    return this.cluster.allNodes;
  }

  record(): Record<string, unknown> {
    const c = this.cluster;
    return {
      nodes: c.allNodes.map((n) => ({ name: n.name, kind: n.kind, ip: n.ip, port: n.port })),
      capabilities: c.capabilities,
      timings: c.timings,
      ...(Object.keys(c.runtime).length ? { runtime: c.runtime } : {}),
      client: c.reach,
    };
  }

  waitHealthy(timeoutMs?: number): Promise<void> {
    return timeoutMs === undefined ? this.cluster.waitHealthy() : this.cluster.waitHealthy(timeoutMs);
  }

  teardown(opts: { keep: boolean }): Promise<void> {
    return this.cluster.teardown(opts);
  }
}
