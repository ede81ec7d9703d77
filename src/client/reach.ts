/**
 * How the test runner reaches the nodes. On Linux with a local engine the host owns the run network's bridge and
 * dials container addresses directly. On Docker Desktop (the engine runs in a VM), rootless Docker (the bridge lives
 * in another network namespace) and a remote DOCKER_HOST (the bridge is on another machine) a container address
 * leads nowhere, and a client dialling it hangs until its timeout. There every port is published on the Docker host
 * instead. Which case holds is measured, not guessed from the platform: a TCP connect to a node's container address.
 *
 * Pure: the decision, where published ports are bound and dialled, and what a node's CLIENT LIST says about the
 * runner's source address. The connects themselves live in probe.ts.
 */

import type { AddressMap } from "../core/cluster.js";

export type { AddressMap };

export const CLIENT_MODES = ["auto", "direct", "published"] as const;
export type ClientModeChoice = (typeof CLIENT_MODES)[number];
export type ClientMode = Exclude<ClientModeChoice, "auto">;

/** One TCP connect from the runner to a node's container address. */
export interface ReachProbe {
  /** "ip:port" that was dialled. */
  target: string;
  reachable: boolean;
  /** "connected in 2 ms", "no answer within 1500 ms", "EHOSTUNREACH", ... */
  detail: string;
}

export interface ClientModeDecision {
  asked: ClientModeChoice;
  mode: ClientMode;
  /** One line for people: why this mode. */
  why: string;
  probe?: ReachProbe;
}

/**
 * `auto` follows the probe. A forced mode is kept whatever the probe says (the user may know better, and tests force
 * both here), but the probe is still recorded so a forced `direct` that cannot work is explained.
 */
export function decideClientMode(asked: ClientModeChoice, probe: ReachProbe | undefined): ClientModeDecision {
  const seen = probe ? `${probe.target}: ${probe.detail}` : "not probed";
  if (asked === "direct")
    return { asked, mode: "direct", why: `forced by --client-mode direct (${seen})`, ...(probe ? { probe } : {}) };
  if (asked === "published") {
    return {
      asked,
      mode: "published",
      why: `forced by --client-mode published (${seen})`,
      ...(probe ? { probe } : {}),
    };
  }
  if (probe === undefined) {
    return { asked, mode: "published", why: "container addresses were not probed, so clients use published ports" };
  }
  return probe.reachable
    ? { asked, mode: "direct", why: `the runner reaches container addresses (${seen})`, probe }
    : {
        asked,
        mode: "published",
        why: `the runner cannot reach container addresses (${seen}), so clients use published ports`,
        probe,
      };
}

/** Where published ports are bound on the Docker host (HostIp) and where the runner dials them. */
export interface PublishTarget {
  /** The address the runner dials: loopback for a local engine, the engine's host for a remote one. */
  dialHost: string;
  /**
   * HostIp of the port bindings. Loopback for a local engine, so nothing outside this machine reaches the
   * databases; undefined for a remote engine, meaning "the address dialHost resolves to" (looked up at run time).
   */
  bindIp: string | undefined;
  remote: boolean;
}

/**
 * Reads DOCKER_HOST the way the docker CLI does: unset, unix:// and npipe:// are local engines (Docker Desktop and
 * rootless Docker included: their sockets are local even when their bridge is not); tcp:// and ssh:// name the
 * engine's machine, which is where published ports appear.
 */
export function publishTargetFor(dockerHost: string | undefined): PublishTarget {
  const local: PublishTarget = { dialHost: "127.0.0.1", bindIp: "127.0.0.1", remote: false };
  const value = (dockerHost ?? "").trim();
  if (value === "" || /^(unix|npipe):\/\//i.test(value)) return local;
  const m = /^(tcp|ssh|https?):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/i.exec(value);
  if (m === null) return local;
  const host = m[2]!.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host === "127.0.0.1" || host === "::1") return local;
  return { dialHost: host, bindIp: undefined, remote: true };
}

/**
 * The source address a node saw on the runner's own connection, from that connection's CLIENT LIST line
 * (`id=7 addr=10.213.5.1:40312 ...`). That is what a partition must drop to cut the runner: the bridge gateway on
 * Linux (direct, or through docker-proxy), whatever forwarder Docker Desktop or rootlesskit uses elsewhere.
 */
export function runnerSourceFromClientList(clientList: string, clientId: number): string | undefined {
  for (const line of clientList.split("\n")) {
    const fields = new Map(
      line
        .trim()
        .split(/\s+/)
        .map((kv) => {
          const i = kv.indexOf("=");
          return [kv.slice(0, i), kv.slice(i + 1)] as const;
        }),
    );
    if (fields.get("id") !== String(clientId)) continue;
    const addr = fields.get("addr");
    if (addr === undefined) return undefined;
    const i = addr.lastIndexOf(":");
    const ip = i > 0 ? addr.slice(0, i) : addr;
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) ? ip : undefined;
  }
  return undefined;
}

/** The container address a published one stands for (published answers come back on the runner's sockets). */
export function containerAddressFor(
  map: AddressMap,
  host: string,
  port: number,
): { host: string; port: number } | undefined {
  for (const [key, to] of Object.entries(map)) {
    if (to.host !== host || to.port !== port) continue;
    const i = key.lastIndexOf(":");
    return { host: key.slice(0, i), port: Number(key.slice(i + 1)) };
  }
  return undefined;
}
