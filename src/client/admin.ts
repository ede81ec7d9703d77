import { Redis } from "ioredis";
import type { ConnectionAuth } from "../core/cluster.js";
import { authOptions, dialAddress } from "./connect.js";

/**
 * One-off admin connections from the tool to a node (health checks, discovery, wiring a cluster, probes): each
 * opens its own connection with short timeouts and no retries, runs `use`, and always closes it, so a dead or
 * partitioned node costs one timeout, never a hang, and no reconnect loop outlives the call.
 */
export async function withAdminConnection<T>(
  host: string,
  port: number,
  timeoutMs: number,
  use: (conn: Redis) => Promise<T>,
  /** An existing deployment's user, password and TLS (its Sentinels' own go in `sentinel`, used as given here). */
  auth?: ConnectionAuth,
): Promise<T> {
  const conn = new Redis({
    ...authOptions(auth),
    // Callers name nodes by container address; in published client mode the runner dials the published port.
    ...dialAddress(host, port),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    enableReadyCheck: false,
  });
  // Errors surface through the awaited promises; without a listener ioredis would also print them.
  let socketError: Error | undefined;
  conn.on("error", (err: Error) => {
    // A TLS alert says more than the reset that may come before or after it.
    if (!socketError || /alert/i.test(err.message)) socketError = err;
  });
  try {
    await conn.connect();
    return await use(conn);
  } catch (err) {
    // A server that ends the connection (a TLS alert such as "certificate required") reaches the caller only as
    // "Connection is closed"; the socket's own error says why.
    const message = (err as Error).message ?? "";
    if (socketError && /Connection is closed/.test(message))
      throw new Error(`${message.replace(/\.$/, "")}: ${socketError.message.split("\n")[0]}`);
    throw err;
  } finally {
    conn.disconnect();
  }
}

export async function adminCall(host: string, port: number, args: string[], timeoutMs = 2000): Promise<unknown> {
  const [cmd, ...rest] = args;
  return withAdminConnection(host, port, timeoutMs, (conn) => conn.call(cmd!, ...rest));
}

export async function tryAdminCall(
  host: string,
  port: number,
  args: string[],
  timeoutMs = 2000,
): Promise<{ ok: true; reply: unknown } | { ok: false; error: string }> {
  try {
    return { ok: true, reply: await adminCall(host, port, args, timeoutMs) };
  } catch (err) {
    return { ok: false, error: (err as Error).message || String(err) };
  }
}
