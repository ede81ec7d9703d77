import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tryAdminCall } from "../client/admin.js";
import { cliBeside } from "../db/engines.js";
import { removeRun } from "../docker/cleanup.js";
import { SENTINEL_PORT } from "../topology/layout.js";
import type { DockerNode } from "./node.js";

/** results/<run>/nodes/<node>/ */
export function nodeResultsDir(resultsDir: string, node: string): string {
  return join(resultsDir, "nodes", node);
}

export async function saveNodeFile(resultsDir: string, node: string, name: string, contents: string): Promise<void> {
  const dir = nodeResultsDir(resultsDir, node);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), contents);
}

/**
 * Copies what explains a run out of each node before the containers go: process logs, INFO of every process, and
 * the files the servers rewrote themselves (Sentinel's config, a cluster's nodes.conf). Best effort per item, and
 * bounded, because it also runs on Ctrl-C against nodes that may be paused or cut off.
 */
export async function collectArtifacts(nodes: readonly DockerNode[], resultsDir: string): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      const save = (name: string, text: string) =>
        saveNodeFile(resultsDir, node.name, name, text).catch(() => undefined);
      for (const launch of node.launches) {
        const log = await node.processLog(launch.process).catch(() => "");
        await save(`${launch.process}.log`, log);
        const port = launch.process === "sentinel" ? SENTINEL_PORT : node.port;
        const info = await tryAdminCall(node.ip, port, ["INFO", "everything"], 2000);
        const fallback = info.ok ? info : await tryAdminCall(node.ip, port, ["INFO"], 2000);
        await save(
          `${launch.process}.info.txt`,
          fallback.ok ? String(fallback.reply) : `(no answer: ${fallback.error})\n`,
        );
        for (const file of launch.files) {
          if (launch.process !== "sentinel") continue;
          // Sentinel rewrites its config as it learns the topology; the saved original stays beside it.
          const r = await node.exec(["cat", file.path], { timeoutMs: 5000 }).catch(() => undefined);
          if (r?.exitCode === 0) await save(`${file.saveAs}.final`, r.stdout);
        }
      }
      if (node.kind === "data") {
        const r = await node
          .exec(["sh", "-c", `cat ${node.dataDir}/nodes.conf 2>/dev/null`], { timeoutMs: 5000 })
          .catch(() => undefined);
        if (r?.exitCode === 0 && r.stdout) await save("nodes.conf.final", r.stdout);
      }
    }),
  );
}

export interface TeardownOptions {
  keep: boolean;
  log(line: string): void;
}

/**
 * Collects artifacts, then removes every labelled resource of the run unless asked to keep it: no creation starts
 * after this, those in flight are waited for, and removal repeats until nothing labelled with the run id is left.
 */
export async function teardownRun(
  runId: string,
  nodes: readonly DockerNode[],
  resultsDir: string,
  opts: TeardownOptions,
): Promise<void> {
  // A paused server answers nothing: resume it so its INFO and a clean shutdown are possible.
  await Promise.all(nodes.map((n) => n.signalDb("SIGCONT").catch(() => undefined)));
  await collectArtifacts(nodes, resultsDir);
  if (opts.keep) {
    opts.log(keepMessage(runId, nodes));
    return;
  }
  await removeRun(runId);
}

export function keepMessage(runId: string, nodes: readonly DockerNode[]): string {
  const lines = [`kept the cluster of run ${runId} running; reach its nodes with:`];
  for (const n of nodes) {
    // The client ships beside the server: Valkey nodes have only valkey-cli, the others (Dragonfly too) redis-cli.
    const client = cliBeside((n.launches ?? []).flatMap((l) => (l.argv[0] ? [l.argv[0]] : [])));
    const cli = n.kind === "sentinel" ? `${client} -p 26379` : client;
    lines.push(
      `  ${n.name.padEnd(4)} ${`${n.ip}:${n.port}`.padEnd(22)} docker exec -it splitbrain-${runId}-${n.name} ${cli}`,
    );
  }
  lines.push(`remove it with: splitbrain clean --run ${runId}`);
  return lines.join("\n");
}
