import { MASTER_NAME, SENTINEL_PORT } from "../cluster/layout.js";
import type { ClusterSpec } from "../cluster/spec.js";
import type { ConfigFile } from "./db.js";

/**
 * sentinel.conf for one Sentinel. Sentinels discover each other and the replicas through the primary, so each must
 * announce its own network address: inside Docker the address a peer sees may not be one it can dial back.
 */
export function renderSentinelConf(
  spec: ClusterSpec,
  self: { name: string; ip: string },
  primary: { ip: string; port: number },
  runId: string,
): string {
  const st = spec.sentinel;
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
    "",
  ].join("\n");
}

export function sentinelConfFile(confDir: string, contents: string): ConfigFile {
  // Sentinel rewrites this file as it learns the topology; the saved copy is what we started it with.
  return { path: `${confDir}/sentinel.conf`, contents, saveAs: "sentinel.conf" };
}
