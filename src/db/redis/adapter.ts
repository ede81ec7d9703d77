import { type DbName, labelOf } from "../../core/cluster.js";
import { versionMatches } from "../../image/definition.js";
import { CLUSTER_BUS_PORT, DB_PORT } from "../../topology/layout.js";
import type { ClusterSpec } from "../../topology/spec.js";
import type { Capabilities } from "../capabilities.js";
import type { ContainerNeeds, Db, Launch, NodeView } from "../db.js";
import { renderSentinelConf, sentinelConfFile } from "../sentinel.js";

/** What differs between Redis and its forks that speak the same config dialect. */
export interface RedisDialect {
  name: DbName;
  label: string;
  server: string;
  cli: string;
  sentinel: string;
  /** The data node's config file, named the way the engine's own docs name it (same dialect). */
  confFile: string;
}

export const CONF_DIR = "/etc/splitbrain";
export const DATA_DIR = "/data";

/**
 * redis.conf for one data node. Announce addresses are set explicitly so that what a node tells its peers (and
 * Sentinels, and cluster clients) is its address on the run's network, not whatever it guesses.
 */
export function renderRedisConf(spec: ClusterSpec, node: NodeView, confFile = "redis.conf"): string {
  const p = node.plan;
  const s = spec.settings;
  const lines: string[] = [
    `# ${confFile} for ${p.name} (${p.role}${p.replicaOf ? ` of ${p.replicaOf}` : ""}), written by splitbrain (run ${node.runId})`,
    `port ${DB_PORT}`,
    `bind 0.0.0.0`,
    `protected-mode no`,
    `daemonize no`,
    `dir ${DATA_DIR}`,
    `logfile ""`,
    `replica-announce-ip ${node.ip}`,
    `replica-announce-port ${DB_PORT}`,
  ];
  // A replica's first full sync starts at once instead of after the default wait for other replicas to join the
  // same transfer, so the topology is healthy seconds sooner; setUpOnly() puts the default back once it is.
  if (!userSets(s, SYNC_DELAY.key)) {
    // This saved copy keeps the line; the node's own file loses it once the topology is healthy.
    lines.push(
      `# set-up only: splitbrain restores the default (${SYNC_DELAY.engineDefault}) once the topology is healthy`,
      `${SYNC_DELAY.key} ${SYNC_DELAY.setUp}`,
    );
  }
  if (spec.topology === "cluster") {
    lines.push(
      `cluster-enabled yes`,
      `cluster-config-file ${DATA_DIR}/nodes.conf`,
      `cluster-node-timeout ${spec.clusterNodeTimeoutMs}`,
      `cluster-announce-ip ${node.ip}`,
      `cluster-announce-port ${DB_PORT}`,
      `cluster-announce-bus-port ${CLUSTER_BUS_PORT}`,
    );
  } else if (p.role === "replica" && p.replicaOf) {
    lines.push(`replicaof ${node.ipOf(p.replicaOf)} ${DB_PORT}`);
  }
  const settings: string[] = [];
  if (s.appendonly !== undefined) settings.push(`appendonly ${s.appendonly ? "yes" : "no"}`);
  if (s.appendfsync !== undefined) settings.push(`appendfsync ${s.appendfsync}`);
  if (s.save !== undefined)
    settings.push(s.save.trim() === "" ? `save ""` : `save ${s.save.trim().split(/\s+/).join(" ")}`);
  if (s.minReplicasToWrite !== undefined) settings.push(`min-replicas-to-write ${s.minReplicasToWrite}`);
  if (s.minReplicasMaxLag !== undefined) settings.push(`min-replicas-max-lag ${s.minReplicasMaxLag}`);
  if (s.maxmemory !== undefined) settings.push(`maxmemory ${s.maxmemory}`);
  if (s.maxmemoryPolicy !== undefined) settings.push(`maxmemory-policy ${s.maxmemoryPolicy}`);
  if (s.replBacklogSize !== undefined) settings.push(`repl-backlog-size ${s.replBacklogSize}`);
  if (settings.length) lines.push(`# settings under test`, ...settings);
  if (s.extra.length) lines.push(`# --redis-conf`, ...s.extra.map(([k, v]) => `${k} ${v}`));
  lines.push("");
  return lines.join("\n");
}

/** Set for the start only; 5 s is the default of Redis (since 2.8) and Valkey. */
const SYNC_DELAY = { key: "repl-diskless-sync-delay", setUp: "0", engineDefault: "5" } as const;

function userSets(s: ClusterSpec["settings"], key: string): boolean {
  return s.extra.some(([k]) => k.toLowerCase() === key);
}

/** What renderRedisConf set only for the start, and the engine's defaults to restore once the topology is healthy. */
export function redisSetUpOnly(spec: ClusterSpec): { dropConfLines: string[]; configSet: Array<[string, string]> } {
  if (userSets(spec.settings, SYNC_DELAY.key)) return { dropConfLines: [], configSet: [] };
  return {
    dropConfLines: [`${SYNC_DELAY.key} ${SYNC_DELAY.setUp}`],
    configSet: [[SYNC_DELAY.key, SYNC_DELAY.engineDefault]],
  };
}

/** Config keys the spec sets, for asking the running server whether it knows them. */
export function settingKeys(spec: ClusterSpec): string[] {
  const s = spec.settings;
  const keys: string[] = [];
  if (s.appendonly !== undefined) keys.push("appendonly");
  if (s.appendfsync !== undefined) keys.push("appendfsync");
  if (s.save !== undefined) keys.push("save");
  if (s.minReplicasToWrite !== undefined) keys.push("min-replicas-to-write");
  if (s.minReplicasMaxLag !== undefined) keys.push("min-replicas-max-lag");
  if (s.maxmemory !== undefined) keys.push("maxmemory");
  if (s.maxmemoryPolicy !== undefined) keys.push("maxmemory-policy");
  if (s.replBacklogSize !== undefined) keys.push("repl-backlog-size");
  for (const [k] of s.extra) keys.push(k);
  return keys;
}

/**
 * The server must be what the run claims to test: an --image holding another engine or version would otherwise
 * put the wrong name on every result. Asked of the server (INFO), not of the image's labels.
 */
export function identityRefusals(dialect: RedisDialect, spec: ClusterSpec, caps: Capabilities): string[] {
  const out: string[] = [];
  if (caps.engine !== dialect.name) {
    out.push(
      `--db ${dialect.name} was asked for, but the server reports itself as ${labelOf(caps.engine)} ${caps.version} (INFO server).`,
    );
  } else if (spec.version !== undefined && !versionMatches(spec.version, caps.version)) {
    out.push(
      `--version ${spec.version} was asked for, but the server reports ${dialect.label} ${caps.version} (INFO server).`,
    );
  }
  return out;
}

/** Settings of the spec that CONFIG GET does not know on this server: each names engine, version and the setting. */
export function settingRefusals(spec: ClusterSpec, caps: Capabilities): string[] {
  return settingKeys(spec)
    .filter((k) => caps.config[k] === false)
    .map((k) => `${labelOf(caps.engine)} ${caps.version} has no "${k}" setting (CONFIG GET ${k} knows nothing of it).`);
}

/** The Redis adapter, parameterised by dialect so forks reuse it by composition. */
export function redisFamily(dialect: RedisDialect): Db {
  return {
    name: dialect.name,
    label: dialect.label,
    binaries: { server: dialect.server, cli: dialect.cli, sentinel: dialect.sentinel },
    confDir: CONF_DIR,
    replicaOfBy: "config",
    // Everything of the spec is redis.conf; another engine's own options are refused by the registry.
    refusals: () => [],
    serverLaunch(spec: ClusterSpec, node: NodeView): Launch {
      const path = `${CONF_DIR}/${dialect.confFile}`;
      return {
        process: "db",
        files: [{ path, contents: renderRedisConf(spec, node, dialect.confFile), saveAs: dialect.confFile }],
        argv: [dialect.server, path],
      };
    },
    sentinelLaunch(spec, node, primary, known): Launch {
      const file = sentinelConfFile(
        CONF_DIR,
        renderSentinelConf(spec, { name: node.plan.name, ip: node.ip }, primary, node.runId, known),
      );
      return { process: "sentinel", files: [file], argv: [dialect.sentinel, file.path] };
    },
    setUpOnly: redisSetUpOnly,
    containerNeeds(): ContainerNeeds {
      return { ulimits: [] };
    },
    capabilityRefusals(spec: ClusterSpec, caps: Capabilities): string[] {
      return [...identityRefusals(dialect, spec, caps), ...settingRefusals(spec, caps)];
    },
  };
}

export const redis: Db = redisFamily({
  name: "redis",
  label: "Redis",
  server: "redis-server",
  cli: "redis-cli",
  sentinel: "redis-sentinel",
  confFile: "redis.conf",
});
