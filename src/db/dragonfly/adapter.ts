import { DB_PORT } from "../../topology/layout.js";
import { isRedisSize, redisSizeBytes } from "../../topology/sizes.js";
import type { ClusterSpec } from "../../topology/spec.js";
import type { Capabilities } from "../capabilities.js";
import type { ContainerNeeds, Db, Launch, NodeView } from "../db.js";
import { CONF_DIR, DATA_DIR } from "../redis/adapter.js";
import { renderSentinelConf, sentinelConfFile } from "../sentinel.js";
import { chooseIoBackend, userForcesEpoll } from "./io.js";
import "./options.js";

/** Snapshot file name without a timestamp, so a restarted process loads the snapshot its predecessor wrote. */
export const DRAGONFLY_DBFILENAME = "dump";

/**
 * Dragonfly's command line for one data node. Flags only (Dragonfly reads no redis.conf); saved as a flags file in
 * the results and passed with --flagfile so what ran is exactly what was saved.
 */
export function dragonflyFlags(spec: ClusterSpec, node: NodeView): string[] {
  const df = spec.dragonfly;
  const flags: string[] = [
    `--port=${DB_PORT}`,
    `--bind=0.0.0.0`,
    `--dir=${DATA_DIR}`,
    `--dbfilename=${df.dbfilename ?? DRAGONFLY_DBFILENAME}`,
    // Dragonfly phones home for new versions at start; no traffic may leave the machine.
    `--version_check=false`,
    `--logtostderr`,
    // What the primary (and so Sentinel, which asks it) lists as this replica's address.
    `--replica_announce_ip=${node.ip}`,
  ];
  if (df.proactorThreads !== undefined) flags.push(`--proactor_threads=${df.proactorThreads}`);
  if (spec.settings.maxmemory !== undefined) flags.push(`--maxmemory=${spec.settings.maxmemory}`);
  if (df.snapshotCron !== undefined) flags.push(`--snapshot_cron=${df.snapshotCron}`);
  for (const [name, value] of df.extra) flags.push(`--${name}=${value}`);
  return flags;
}

/** Measured: Dragonfly 1.40 exits with "There are 2 threads, so 512.00MiB are required" below this per thread. */
export const DRAGONFLY_MIB_PER_THREAD = 256;

/** Each refusal names the setting, says Dragonfly lacks it, and what to do instead. */
export function dragonflyRefusals(spec: ClusterSpec): string[] {
  const s = spec.settings;
  const out: string[] = [];
  if (spec.topology === "cluster") {
    out.push(
      "Dragonfly's cluster mode is out of scope: it needs an external control plane to assign slots, unlike Redis " +
        "Cluster. Use --topology single, replicated or sentinel.",
    );
  }
  if (s.appendonly === true || s.appendfsync !== undefined) {
    out.push(
      "Dragonfly has no append-only file (AOF); it persists by snapshots. Drop --appendonly/--appendfsync and use --snapshot-cron.",
    );
  }
  if (s.minReplicasToWrite !== undefined || s.minReplicasMaxLag !== undefined) {
    out.push(
      "Dragonfly has no min-replicas-to-write / min-replicas-max-lag: its primary accepts writes however many " +
        "replicas are connected. Drop those options.",
    );
  }
  if (s.save !== undefined)
    out.push(`Dragonfly has no "save" points; schedule snapshots with --snapshot-cron "*/1 * * * *".`);
  if (s.maxmemoryPolicy !== undefined) {
    out.push("Dragonfly has no maxmemory-policy; it evicts only in cache mode (--dragonfly-flag cache_mode=true).");
  }
  if (s.replBacklogSize !== undefined) {
    out.push(
      "Dragonfly has no repl-backlog-size; its per-shard backlog is --dragonfly-flag shard_repl_backlog_len=<n>.",
    );
  }
  const threads = spec.dragonfly.proactorThreads;
  if (s.maxmemory !== undefined && threads !== undefined && isRedisSize(s.maxmemory)) {
    const need = threads * DRAGONFLY_MIB_PER_THREAD * 2 ** 20;
    if (redisSizeBytes(s.maxmemory) < need) {
      out.push(
        `Dragonfly needs at least ${DRAGONFLY_MIB_PER_THREAD}MiB of maxmemory per thread and exits at start otherwise: ` +
          `--maxmemory ${s.maxmemory} is less than ${threads} x ${DRAGONFLY_MIB_PER_THREAD}mb. ` +
          `Raise --maxmemory to ${threads * DRAGONFLY_MIB_PER_THREAD}mb or lower --proactor-threads.`,
      );
    }
  }
  if (s.extra.length)
    out.push("--redis-conf writes redis.conf, which Dragonfly does not read; use --dragonfly-flag name=value.");
  return out;
}

export const dragonfly: Db = {
  name: "dragonfly",
  label: "Dragonfly",
  // Sentinel is Redis's: Dragonfly has none of its own, and a Redis Sentinel can watch Dragonfly nodes.
  binaries: { server: "dragonfly", cli: "redis-cli", sentinel: "redis-sentinel" },
  confDir: CONF_DIR,
  replicaOfBy: "command",
  refusals: dragonflyRefusals,
  serverLaunch(spec: ClusterSpec, node: NodeView): Launch {
    const path = `${CONF_DIR}/dragonfly.flags`;
    const contents = `# Dragonfly flags for ${node.plan.name}, written by splitbrain (run ${node.runId})\n${dragonflyFlags(spec, node).join("\n")}\n`;
    return {
      process: "db",
      files: [{ path, contents, saveAs: "dragonfly.flags" }],
      argv: ["dragonfly", `--flagfile=${path}`],
    };
  },
  sentinelLaunch(spec, node, primary, known): Launch {
    const file = sentinelConfFile(
      CONF_DIR,
      renderSentinelConf(spec, { name: node.plan.name, ip: node.ip }, primary, node.runId, known),
    );
    return { process: "sentinel", files: [file], argv: ["redis-sentinel", file.path] };
  },
  containerNeeds(spec: ClusterSpec): ContainerNeeds {
    const m = spec.dragonfly.memlock;
    if (m === undefined) return { ulimits: [] };
    const n = m === "unlimited" ? -1 : Number(m);
    return {
      ulimits: [{ Name: "memlock", Soft: n, Hard: n }],
      refusedHint:
        "it cannot raise a limit above its own: drop --memlock (Dragonfly's io_uring works within Docker's default " +
        "here, and it falls back to epoll when it does not), ask for less, or raise LimitMEMLOCK of dockerd",
    };
  },
  capabilityRefusals(_spec: ClusterSpec, _caps: Capabilities): string[] {
    // Every setting Dragonfly lacks is refused from the spec before start (a flag it does not know stops it).
    return [];
  },
  async prepare(spec, runInNode) {
    const io = await chooseIoBackend(spec, runInNode);
    const launchSpec = withForcedEpoll(spec, io.forceEpoll);
    return { spec: launchSpec, found: { ioBackend: io } };
  },
};

/** The spec the servers start from: the user's, plus --force_epoll when the probe had to choose it. */
export function withForcedEpoll(spec: ClusterSpec, forceEpoll: boolean): ClusterSpec {
  if (!forceEpoll || userForcesEpoll(spec)) return spec;
  return { ...spec, dragonfly: { ...spec.dragonfly, extra: [...spec.dragonfly.extra, ["force_epoll", "true"]] } };
}
