import { lookup } from "node:dns/promises";
import { connect } from "node:net";
import { redisConfServers } from "../db/engines.js";
import { cleanRun } from "../docker/cleanup.js";
import { createNodeContainer, execDetached } from "../docker/container.js";
import { newRunId } from "../docker/labels.js";
import { createRunNetwork } from "../docker/network.js";
import { withAdminConnection } from "./admin.js";
import {
  type ClientModeDecision,
  decideClientMode,
  publishTargetFor,
  type ReachProbe,
  runnerSourceFromClientList,
} from "./reach.js";

/** Long enough for a loaded local bridge (milliseconds), short enough that a hung Docker Desktop dial costs little. */
export const REACH_PROBE_TIMEOUT_MS = 1500;

/**
 * One TCP connect, nothing sent. Reachable only if the handshake completes: a refusal or an ICMP error could come
 * from a router or firewall on the way, which says nothing about the container.
 */
export function probeTcp(
  host: string,
  port: number,
  timeoutMs = REACH_PROBE_TIMEOUT_MS,
): Promise<ReachProbe & { refused: boolean }> {
  const target = `${host}:${port}`;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reachable: boolean, detail: string, refused = false) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.destroy();
      resolve({ target, reachable, detail, refused });
    };
    const timer = setTimeout(() => done(false, `no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once("connect", () => done(true, `connected in ${Math.max(1, Math.round(performance.now() - t0))} ms`));
    socket.once("error", (err: NodeJS.ErrnoException) =>
      done(false, err.code ?? err.message, err.code === "ECONNREFUSED"),
    );
  });
}

/** The address published ports are bound to on the Docker host (HostIp). */
export async function publishBindIp(): Promise<string> {
  const target = publishTargetFor(process.env.DOCKER_HOST);
  if (target.bindIp !== undefined) return target.bindIp;
  // A remote engine: bind to the address its name resolves to, so the ports are not offered on every interface.
  return (await lookup(target.dialHost, { family: 4 })).address;
}

/**
 * The source address a node sees on the runner's connections, asked of the node itself: the runner opens one
 * connection the way its clients do (published port or container address) and finds that connection in CLIENT LIST.
 */
export async function runnerSourceSeenBy(ip: string, port: number, timeoutMs = 2000): Promise<string | undefined> {
  try {
    return await withAdminConnection(ip, port, timeoutMs, async (conn) => {
      const id = Number(await conn.call("CLIENT", "ID"));
      const list = String(await conn.call("CLIENT", "LIST"));
      return runnerSourceFromClientList(list, id);
    });
  } catch {
    return undefined;
  }
}

/**
 * What `auto` would pick on this engine, for `doctor`: one throwaway node (its own run id, network and label) with a
 * listener on the database port, one connect to its container address, then everything removed.
 */
export async function probeAutoClientMode(image: string): Promise<ClientModeDecision> {
  const runId = newRunId();
  try {
    const network = await createRunNetwork(runId);
    const ip = network.ipFor(1);
    const node = await createNodeContainer({
      runId,
      name: "reach",
      image,
      ip,
      network: network.name,
      tmpfsDataSize: "16m",
    });
    await execDetached(node.id, ["sh", "-c", LISTENER]);
    // Refused means the node answered but its listener is not up yet: try again until it is, or the deadline.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = await probeTcp(ip, PROBE_PORT);
      if (!probe.refused || Date.now() > deadline) return decideClientMode("auto", probe);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await cleanRun(runId).catch(() => undefined);
  }
}

const PROBE_PORT = 6379;

/**
 * Whatever server the image has, else Python: all the probe needs is something accepting connections (the kernel
 * completes handshakes into a listening socket's backlog, so nobody has to call accept).
 */
const LISTENER =
  `for s in ${redisConfServers().join(" ")}; do if command -v "$s" >/dev/null 2>&1; then ` +
  `exec "$s" --port ${PROBE_PORT} --save '' --appendonly no --protected-mode no >/dev/null 2>&1; fi; done; ` +
  `exec python3 -c 'import socket, time; s = socket.socket(); s.bind(("0.0.0.0", ${PROBE_PORT})); s.listen(8); time.sleep(600)'`;
