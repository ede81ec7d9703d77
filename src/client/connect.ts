import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { AddressMap, ConnectionAuth, Endpoints } from "../core/cluster.js";

/** What a workload's client holds: a plain connection to the current primary, or a Cluster client. */
export type RedisClient = Redis | Cluster;

/**
 * ioredis clients that never retry, queue or resend a command on their own. A resent write that had already been
 * applied would be recorded once and happen twice; a queued one would happen long after its invocation. Each
 * option below was checked against ioredis 5.11 (node_modules/ioredis/built):
 *
 * - enableOfflineQueue false: Redis#sendCommand rejects at once with "Stream isn't writeable and
 *   enableOfflineQueue options is false" when the socket is not ready, instead of queueing for the next connection.
 * - autoResendUnfulfilledCommands false: on reconnect, readyHandler (redis/event_handler.js) drops
 *   prevCommandQueue (commands written to the old socket, unanswered) instead of writing them again.
 * - maxRetriesPerRequest 0: on the first close, closeHandler flushes those in-flight commands with
 *   MaxRetriesPerRequestError (retryAttempts % 1 === 0), so no command outlives the connection it was written on.
 *   (null would keep them until reconnect, where only autoResend decides.)
 * - retryStrategy returns a delay: reconnecting itself is safe, since nothing is replayed (see above), and it lets
 *   the Sentinel connector ask the Sentinels again for the new primary after a failover.
 * - reconnectOnError null: a value of 2 would make handleReconnection resend the command.
 * - commandTimeout: Command#setTimeout rejects with "Command timed out" after that many ms; only the first
 *   setTimeout on a command counts, so a longer per-command deadline (WAIT) set before sending wins.
 * - connectTimeout bounded, so a partitioned node does not hold a connect for ioredis' default 10 s.
 *
 * Cluster (cluster/index.js):
 * - Cluster enableOfflineQueue false: "Cluster isn't ready and enableOfflineQueue options is false" while the
 *   slot map is not ready.
 * - retryDelayOnFailover 0: otherwise handleError would re-send a command whose connection closed after it was
 *   written ("Connection is closed." + status ready -> delayQueue "failover" -> tryConnection again).
 * - retryDelayOnClusterDown 0: CLUSTERDOWN is returned to us (a refusal: `fail`), not retried behind our back.
 * - maxRedirections 1: handleError sets the budget on the first error and rejects when it reaches 0, so one
 *   MOVED/ASK is followed and a second redirection surfaces as "Too many Cluster redirections. Last error: ...".
 *   TRYAGAIN is always retried by ioredis after retryDelayOnTryAgain; that is safe because the server did not run
 *   the command.
 * - Per-node connections (cluster/ConnectionPool.js) are created with retryStrategy null and their own offline
 *   queue forced on: they never reconnect, so the queue only holds commands until the node's first connect.
 */

export const DEFAULT_OP_TIMEOUT_MS = 1000;

export interface ClientOptions {
  /** `--op-timeout`: how long one command may take before its outcome is `info`. */
  opTimeoutMs: number;
  /** Bound on establishing a connection (defaults to the op timeout). */
  connectTimeoutMs?: number;
}

/** Reconnect quickly but not in a tight loop; the bound keeps recovery after healing fast. */
function reconnectDelay(attempt: number): number {
  return Math.min(50 * attempt, 500);
}

export function honestRedisOptions(opts: ClientOptions): RedisOptions {
  return {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelay,
    reconnectOnError: null,
    commandTimeout: opts.opTimeoutMs,
    connectTimeout: opts.connectTimeoutMs ?? opts.opTimeoutMs,
    // Connecting eagerly is fine; lazyConnect would make the first op race the handshake.
    lazyConnect: false,
    enableAutoPipelining: false,
  };
}

export function honestClusterOptions(opts: ClientOptions): ClusterOptions {
  return {
    enableOfflineQueue: false,
    maxRedirections: 1,
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 0,
    retryDelayOnMoved: 0,
    scaleReads: "master",
    clusterRetryStrategy: reconnectDelay,
    slotsRefreshTimeout: opts.connectTimeoutMs ?? opts.opTimeoutMs,
    redisOptions: honestRedisOptions(opts),
  };
}

/**
 * One ioredis client for the endpoints. Share it between processes: each process's op goes through its own
 * Session (src/client/session.ts), which records what that op did on the wire.
 */
export function connectClient(endpoints: Endpoints, opts: ClientOptions): RedisClient {
  const client = build(endpoints, opts);
  // Connection errors reach every affected op through its promise (and its outcome); without a listener ioredis
  // prints each one to stderr, which during a partition is a flood.
  client.on("error", () => undefined);
  return client;
}

/**
 * Published routes of the live runs in this process: container "ip:port" -> where the runner dials it. Every
 * one-off admin call (health, discovery, cluster wiring, INFO at teardown) names nodes by container address, the
 * address the servers themselves announce; looking the route up here at the single place that dials keeps those
 * callers mode-agnostic. Keys cannot collide between runs: each run has its own subnet.
 */
const routes = new Map<string, { host: string; port: number }>();

/** Makes a run's published routes take effect; returns how to withdraw them (at teardown). */
export function addRoutes(map: AddressMap): () => void {
  for (const [key, to] of Object.entries(map)) routes.set(key, to);
  return () => {
    for (const [key, to] of Object.entries(map)) if (routes.get(key) === to) routes.delete(key);
  };
}

/** Where the runner dials a node's container address: its published port if its run publishes, else itself. */
export function dialAddress(host: string, port: number): { host: string; port: number } {
  return routes.get(`${host}:${port}`) ?? { host, port };
}

function translate(map: AddressMap | undefined, a: { host: string; port: number }): { host: string; port: number } {
  return map?.[`${a.host}:${a.port}`] ?? a;
}

/**
 * ioredis options for an existing deployment's ACL user, password, database and TLS; empty for clusters this tool
 * started (no auth). Sentinel's own credentials are separate: its Sentinels may use other ones than the data nodes.
 */
export function authOptions(auth: ConnectionAuth | undefined): RedisOptions {
  if (!auth) return {};
  const out: RedisOptions = {};
  if (auth.username !== undefined) out.username = auth.username;
  if (auth.password !== undefined) out.password = auth.password;
  if (auth.db !== undefined) out.db = auth.db;
  if (auth.tls) {
    out.tls = { ...auth.tls };
    // In Sentinel mode ioredis applies `tls` to the primary it was told of only with this set (connectors/SentinelConnector).
    out.enableTLSForSentinelMode = true;
  }
  if (auth.sentinel) {
    if (auth.sentinel.username !== undefined) out.sentinelUsername = auth.sentinel.username;
    if (auth.sentinel.password !== undefined) out.sentinelPassword = auth.sentinel.password;
    if (auth.sentinel.tls) out.sentinelTLS = { ...auth.sentinel.tls };
  }
  return out;
}

function build(endpoints: Endpoints, opts: ClientOptions): RedisClient {
  const base = { ...honestRedisOptions(opts), ...authOptions(endpoints.auth) };
  const map = endpoints.addressMap;
  // Discovery answers (Sentinel's master address, CLUSTER SLOTS, MOVED/ASK) name container addresses; ioredis
  // passes each through natMap before dialling it.
  const nat = map ? { natMap: map } : {};
  switch (endpoints.kind) {
    case "single":
      return new Redis({ ...base, ...translate(map, { host: endpoints.host, port: endpoints.port }) });
    case "sentinel":
      return new Redis({
        ...base,
        ...nat,
        sentinels: endpoints.sentinels.map((s) => translate(map, s)),
        name: endpoints.masterName,
        // The connector checks INFO's role after connecting and rejects a node that is not the primary.
        role: "master",
        sentinelCommandTimeout: opts.opTimeoutMs,
        sentinelRetryStrategy: reconnectDelay,
        // Subscribe to +switch-master so a failover moves the client without waiting for an error.
        failoverDetector: true,
        // Keep to the Sentinels we were given: the tool knows the topology, and discovered addresses could be
        // ones the host cannot reach.
        updateSentinels: false,
      });
    case "cluster":
      return new Cluster(
        endpoints.seeds.map((s) => translate(map, s)),
        {
          ...honestClusterOptions(opts),
          ...nat,
          redisOptions: { ...honestRedisOptions(opts), ...authOptions(endpoints.auth) },
        },
      );
  }
}

/**
 * Waits until the client can take commands, or throws the reason it cannot. For a Cluster client also connects
 * every primary: per-node connections open lazily, and a command routed to one still connecting is refused
 * ("Connection is closed.", not sent), which would make the first ops of a run fail for no reason of the database's.
 */
export async function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  await untilReadyEvent(client, timeoutMs);
  if (client instanceof Cluster) {
    await Promise.all(client.nodes("master").map((node) => node.ping()));
  }
}

async function untilReadyEvent(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (e: Error) => {
      lastError = e;
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`client not ready after ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ""}`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("error", onError);
    };
    client.on("ready", onReady);
    client.on("error", onError);
  });
}
