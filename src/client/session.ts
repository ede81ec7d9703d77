import { Cluster, Command, type Redis } from "ioredis";
import type { RedisClient } from "./connect.js";
import { clearDeadline, type Deadline, watchCommandTimeout } from "./deadlines.js";
import { confirmationCommand, type Durability, engineFromInfo, type ServerFacts, shortfall } from "./durability.js";
import { type AttemptFacts, IndeterminateError } from "./outcome.js";

export type Arg = string | number | Buffer;

export interface SessionOptions {
  opTimeoutMs: number;
  durability: Durability;
  /**
   * Put before every key a command names (ioredis finds the keys by the command table: GET's first argument,
   * EVALSHA's numkeys, LMOVE's two), so on an existing deployment the run touches only its own keys while
   * workloads, histories and checkers keep the logical key.
   */
  keyPrefix?: string;
}

/** What a workload may do with a session: a read, a write (confirmed to the durability asked for), a confirm. */
export interface CommandSession {
  call(name: string, args: Arg[]): Promise<unknown>;
  write(name: string, args: Arg[]): Promise<unknown>;
  /** Confirms the write just made (used after a conditional write that did write). */
  confirm(): Promise<void>;
  /**
   * Runs the commands atomically as MULTI ... EXEC, all on one connection (for Cluster, the owner of `key`'s slot, so
   * every key must share its hash tag). Resolves to EXEC's replies; rejects as the refused EXEC (EXECABORT) or the
   * lost connection would. Not confirmed to the durability asked for: call `confirm` after.
   */
  multi(commands: ReadonlyArray<readonly [string, Arg[]]>, key: string): Promise<unknown[]>;
}

/** What the per-op wrapper needs besides the commands: reset per op, and what the op did on the wire. */
export interface TrackedSession extends CommandSession {
  begin(): void;
  readonly attempt: AttemptFacts;
  readonly node: string | undefined;
}

interface Socketish {
  remoteAddress?: string;
  remotePort?: number;
}

/**
 * One logical process's view of a (shared) client. It sends every command itself, so it knows for the op in
 * progress whether any byte went to a socket (`written`: decides `fail` vs `info` for connection errors) and which
 * node the bytes went to (`node`: for Cluster, the slot owner actually used, after redirections). A process keeps
 * one session for its client across ops; `begin` starts each op afresh.
 */
export class Session implements TrackedSession {
  private wrote = false;
  private socket: Socketish | undefined;
  /** Read when the bytes go out: once a socket is destroyed its peer address may no longer be available. */
  private address: string | undefined;
  /** Counts ops, so that a command of an earlier op written late never speaks for the current one. */
  private op = 0;

  constructor(
    readonly client: RedisClient,
    readonly options: SessionOptions,
  ) {}

  /** Starts a new op: forgets what the previous one did. */
  begin(): void {
    this.op++;
    this.wrote = false;
    this.socket = undefined;
    this.address = undefined;
  }

  get attempt(): AttemptFacts {
    return { written: this.wrote };
  }

  /** host:port of the node the current op last wrote to. */
  get node(): string | undefined {
    return this.address;
  }

  /** Called by a TrackedCommand of op `op` as its bytes go to `socket`. */
  wroteTo(op: number, socket: Socketish): void {
    if (op !== this.op) return;
    this.wrote = true;
    this.socket = socket;
    const { remoteAddress, remotePort } = socket;
    if (remoteAddress && remotePort !== undefined) this.address = `${remoteAddress}:${remotePort}`;
  }

  /** Sends one command through the shared client; replies come back as strings (or arrays of them). */
  call(name: string, args: Arg[], timeoutMs?: number): Promise<unknown> {
    return this.send(this.client, name, args, timeoutMs);
  }

  /** A command that changes data: sent, then confirmed to the session's durability before it counts as done. */
  async write(name: string, args: Arg[]): Promise<unknown> {
    const reply = await this.call(name, args);
    await this.confirm();
    return reply;
  }

  /**
   * Confirms the write just made reached the requested durability. The write has happened on the primary, so any
   * problem here (shortfall, timeout, lost connection) makes the op `info`, never `fail`.
   */
  async confirm(): Promise<void> {
    const cmd = confirmationCommand(this.options.durability);
    if (!cmd) return;
    const d = this.options.durability as Exclude<Durability, { kind: "primary" }>;
    let reply: unknown;
    try {
      // WAIT must go to the node that took the write; a Cluster client would route a keyless command anywhere.
      const target = this.writtenNode();
      reply = await this.send(target, cmd.name, cmd.args, d.timeoutMs + this.options.opTimeoutMs);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new IndeterminateError(`durability: written on the primary, but ${cmd.name.toUpperCase()} failed: ${why}`);
    }
    const missing = shortfall(d, reply);
    if (missing) throw new IndeterminateError(missing);
  }

  async multi(commands: ReadonlyArray<readonly [string, Arg[]]>, key: string): Promise<unknown[]> {
    const target = this.client instanceof Cluster ? slotOwner(this.client, key) : this.client;
    // Handed to the connection in one synchronous run, so no other command can come between them on the wire
    // (each process has its own connection, and the client never resends after a reconnect; see connect.ts).
    const replies = [
      this.send(target, "multi", []),
      ...commands.map(([name, args]) => this.send(target, name, args)),
      this.send(target, "exec", []),
    ];
    const settled = await Promise.allSettled(replies);
    const exec = settled[settled.length - 1]!;
    // A command refused while queueing makes EXEC answer EXECABORT; a lost connection fails EXEC too.
    if (exec.status === "rejected") throw exec.reason;
    const out = exec.value;
    if (!Array.isArray(out))
      throw new Error(`EXEC returned ${out === null ? "nil (transaction discarded)" : typeof out}`);
    const failed = out.find((x) => x instanceof Error);
    // A command that failed inside EXEC does not undo the others: what the transaction did is unknown.
    if (failed)
      throw new IndeterminateError(`a command failed inside EXEC, the others ran: ${(failed as Error).message}`);
    return out;
  }

  private writtenNode(): RedisClient {
    if (!(this.client instanceof Cluster)) return this.client;
    const socket = this.socket;
    const node = socket && this.client.nodes("all").find((n) => (n.stream as unknown) === socket);
    if (!node) throw new Error("cannot tell which cluster node took the write");
    return node;
  }

  private send(target: RedisClient | Redis, name: string, args: Arg[], timeoutMs?: number): Promise<unknown> {
    const command = new TrackedCommand(name, args, this, this.op, this.options.keyPrefix);
    // The first setTimeout wins, so this overrides commandTimeout for commands that legitimately take longer.
    if (timeoutMs !== undefined) command.setTimeout(timeoutMs);
    target.sendCommand(command);
    return command.promise;
  }
}

const UTF8 = { replyEncoding: "utf8" } as const;

/**
 * A command that tells its session when it is written: ioredis calls toWritable exactly when it writes the command
 * to a socket, passing that socket. A subclass rather than a wrapper bound per command, since every op makes one.
 *
 * Its timeout shares one timer with every other command of the same length (src/client/deadlines.ts) instead of
 * arming a timer of its own, with ioredis' semantics (checked against ioredis 5.11, built/Command.js): the first
 * setTimeout wins, expiry rejects an unresolved command with "Command timed out", and resolving or rejecting it
 * (both call _clearTimers) stands the timeout down.
 */
class TrackedCommand extends Command {
  private timeout: Deadline | undefined;

  constructor(
    name: string,
    args: Arg[],
    private readonly session: Session,
    private readonly op: number,
    keyPrefix?: string,
  ) {
    super(name, args, keyPrefix ? { ...UTF8, keyPrefix } : UTF8);
  }

  override toWritable(socket: object): string | Buffer {
    this.session.wroteTo(this.op, socket as Socketish);
    return super.toWritable(socket);
  }

  override setTimeout(ms: number): void {
    if (this.timeout === undefined && !this.isResolved) this.timeout = watchCommandTimeout(ms, this.reject);
  }

  /** Called by ioredis on resolve and reject; private in its types, hence assigned below rather than declared. */
  clearTimeout(): void {
    if (this.timeout !== undefined) clearDeadline(this.timeout);
    clearTimers.call(this);
  }
}

const clearTimers = (Command.prototype as unknown as { _clearTimers?: () => void })._clearTimers!;
if (typeof clearTimers !== "function")
  throw new Error("ioredis' Command has no _clearTimers: check TrackedCommand against this ioredis");
(TrackedCommand.prototype as unknown as { _clearTimers: () => void })._clearTimers =
  TrackedCommand.prototype.clearTimeout;

/**
 * The connection to the primary that owns `key`'s slot, as ioredis itself picks it (its slot table and connection
 * pool, which its types keep private): MULTI carries no key, so the Cluster client would send it anywhere.
 */
function slotOwner(cluster: Cluster, key: string): Redis {
  const pool = (cluster as unknown as { connectionPool?: { getInstanceByKey?(k: string): Redis | undefined } })
    .connectionPool;
  const owner = cluster.slots[keySlot(key)]?.[0];
  const node = owner === undefined ? undefined : pool?.getInstanceByKey?.(owner);
  if (!node) throw new Error(`no known cluster node owns the slot of ${key} (slot table not loaded)`);
  return node;
}

/** Redis Cluster's slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key without one, mod 16384. */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  let s = key;
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) s = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(s)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** Asks a server what it is and which durability commands it has (for `assertSupported`). */
export async function probeServer(client: RedisClient, commands: string[]): Promise<ServerFacts> {
  const node: RedisClient = client instanceof Cluster ? (client.nodes("master")[0] ?? client) : client;
  const info = String(await node.call("info", "server"));
  const { engine, version } = engineFromInfo(info);
  const known: Record<string, boolean> = {};
  for (const name of commands) {
    const reply = (await node.call("command", "info", name).catch(() => [null])) as unknown[];
    known[name] = Array.isArray(reply) && reply.length > 0 && reply[0] !== null;
  }
  let appendonly: boolean | undefined;
  try {
    const cfg = (await node.call("config", "get", "appendonly")) as string[];
    if (Array.isArray(cfg) && cfg.length >= 2) appendonly = cfg[1] === "yes";
  } catch {
    appendonly = undefined;
  }
  return appendonly === undefined
    ? { engine, version, commands: known }
    : { engine, version, commands: known, appendonly };
}
