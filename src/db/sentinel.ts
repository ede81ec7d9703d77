import { createHash } from "node:crypto";
import { MASTER_NAME, SENTINEL_PORT } from "../topology/layout.js";
import type { ClusterSpec } from "../topology/spec.js";
import type { ConfigFile } from "./db.js";

/** What the run's layout already says about a Sentinel's world, so that it need not discover it at start. */
export interface SentinelKnown {
  replicas: ReadonlyArray<{ ip: string; port: number }>;
  /** Every Sentinel of the run, this one included (it is skipped). */
  sentinels: ReadonlyArray<{ name: string; ip: string }>;
}

/**
 * A Sentinel's run id, fixed by the run and its name so that peers can be told it before it starts. 40 hex digits,
 * the form Sentinel itself uses.
 */
export function sentinelMyId(runId: string, name: string): string {
  return createHash("sha1").update(`splitbrain sentinel ${runId} ${name}`).digest("hex");
}

/**
 * sentinel.conf for one Sentinel. Sentinels discover each other and the replicas through the primary, so each must
 * announce its own network address: inside Docker the address a peer sees may not be one it can dial back.
 *
 * Given `known`, the file also holds what discovery would have found, in the lines Sentinel itself writes once it
 * has (`known-replica`, `known-sentinel` with each peer's fixed `myid`): discovery takes a hello period (2 s) for
 * peers and up to an INFO period (10 s) for replicas that connect after the Sentinel first asked the primary. The
 * Sentinel still connects to each, and the health check still asks every one whom it knows and whether it is up.
 */
export function renderSentinelConf(
  spec: ClusterSpec,
  self: { name: string; ip: string },
  primary: { ip: string; port: number },
  runId: string,
  known?: SentinelKnown,
): string {
  const st = spec.sentinel;
  const learnt = known
    ? [
        `sentinel myid ${sentinelMyId(runId, self.name)}`,
        ...known.replicas.map((r) => `sentinel known-replica ${MASTER_NAME} ${r.ip} ${r.port}`),
        ...known.sentinels
          .filter((s) => s.name !== self.name)
          .map((s) => `sentinel known-sentinel ${MASTER_NAME} ${s.ip} ${SENTINEL_PORT} ${sentinelMyId(runId, s.name)}`),
      ]
    : [];
  return [
    `# sentinel.conf for ${self.name}, written by splitbrain (run ${runId})`,
    `port ${SENTINEL_PORT}`,
    `bind 0.0.0.0`,
    `protected-mode no`,
    `daemonize no`,
    `dir /tmp`,
    `sentinel announce-ip ${self.ip}`,
    `sentinel announce-port ${SENTINEL_PORT}`,
    `sentinel resolve-hostnames no`,
    `sentinel monitor ${MASTER_NAME} ${primary.ip} ${primary.port} ${st.quorum}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${st.downAfterMs}`,
    `sentinel failover-timeout ${MASTER_NAME} ${st.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${MASTER_NAME} 1`,
    ...learnt,
    "",
  ].join("\n");
}

export function sentinelConfFile(confDir: string, contents: string): ConfigFile {
  // Sentinel rewrites this file as it learns the topology; the saved copy is what we started it with.
  return { path: `${confDir}/sentinel.conf`, contents, saveAs: "sentinel.conf" };
}
