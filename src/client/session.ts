import { Cluster, Command, type Redis } from "ioredis";
import type { RedisClient } from "../../workloads/workload.js";
import { confirmationCommand, engineFromInfo, shortfall, type Durability, type ServerFacts } from "./durability.js";
import { IndeterminateError, type AttemptFacts } from "./outcome.js";

export type Arg = string | number | Buffer;

export interface SessionOptions {
  opTimeoutMs: number;
  durability: Durability;
}

/** What a workload may do with a session: a read, a write (confirmed to the durability asked for), a confirm. */
export interface CommandSession {
  call(name: string, args: Arg[]): Promise<unknown>;
  write(name: string, args: Arg[]): Promise<unknown>;
  /** Confirms the write just made (used after a conditional write that did write). */
  confirm(): Promise<void>;
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
 * node the bytes went to (`node`: for Cluster, the slot owner actually used, after redirections).
 */
export class Session implements TrackedSession {
  private wrote = false;
  private socket: Socketish | undefined;
  /** Read when the bytes go out: once a socket is destroyed its peer address may no longer be available. */
  private address: string | undefined;

  constructor(
    readonly client: RedisClient,
    readonly options: SessionOptions,
  ) {}

  /** Starts a new op: forgets what the previous one did. */
  begin(): void {
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

  private writtenNode(): RedisClient {
    if (!(this.client instanceof Cluster)) return this.client;
    const socket = this.socket;
    const node = socket && this.client.nodes("all").find((n) => (n.stream as unknown) === socket);
    if (!node) throw new Error("cannot tell which cluster node took the write");
    return node;
  }

  private send(target: RedisClient | Redis, name: string, args: Arg[], timeoutMs?: number): Promise<unknown> {
    const command = new Command(name, args, { replyEncoding: "utf8" });
    const toWritable = command.toWritable.bind(command);
    // ioredis calls toWritable exactly when it writes the command to a socket, passing that socket.
    command.toWritable = (socket: object) => {
      this.wrote = true;
      this.socket = socket as Socketish;
      const { remoteAddress, remotePort } = this.socket;
      if (remoteAddress && remotePort !== undefined) this.address = `${remoteAddress}:${remotePort}`;
      return toWritable(socket);
    };
    // The first setTimeout wins, so this overrides commandTimeout for commands that legitimately take longer.
    if (timeoutMs !== undefined) command.setTimeout(timeoutMs);
    target.sendCommand(command);
    return command.promise;
  }
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
  return appendonly === undefined ? { engine, version, commands: known } : { engine, version, commands: known, appendonly };
}
