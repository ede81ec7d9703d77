import { UsageError } from "../core/exit.js";
import { identifyServer, waitaofWhere } from "../db/engines.js";
import { parseInfo } from "../db/info.js";

/**
 * What a write must reach before it counts as `ok`: the primary alone (Redis' default), n replicas (WAIT), or local
 * AOF fsync plus n replicas' fsync (WAITAOF). A write that reached the primary but not the requested durability is
 * `info`: it happened, but nothing promised it survives.
 */
export type Durability =
  | { kind: "primary" }
  | { kind: "wait"; replicas: number; timeoutMs: number }
  | { kind: "waitaof"; local: number; replicas: number; timeoutMs: number };

export const DEFAULT_WAIT_TIMEOUT_MS = 1000;

/** Builds and validates the durability from the CLI flags (`--wait`, `--waitaof`, `--wait-timeout`). */
export function durabilityFrom(flags: {
  wait?: number;
  waitaof?: [number, number];
  waitTimeoutMs?: number;
}): Durability {
  if (flags.wait !== undefined && flags.waitaof !== undefined) {
    throw new UsageError(
      "--wait and --waitaof cannot be combined",
      "WAITAOF already waits for replicas: use --waitaof <local> <replicas>",
    );
  }
  const timeoutMs = flags.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    // WAIT's timeout 0 means "block forever", which would turn every fault into a hung client.
    throw new UsageError(`--wait-timeout must be a positive number of milliseconds, got ${flags.waitTimeoutMs}`);
  }
  if (flags.wait !== undefined) {
    if (!Number.isInteger(flags.wait) || flags.wait < 1) {
      throw new UsageError(`--wait needs a number of replicas >= 1, got ${flags.wait}`);
    }
    return { kind: "wait", replicas: flags.wait, timeoutMs };
  }
  if (flags.waitaof !== undefined) {
    const [local, replicas] = flags.waitaof;
    if (!(local === 0 || local === 1)) {
      throw new UsageError(`--waitaof <local> must be 0 or 1 (fsync on the primary or not), got ${local}`);
    }
    if (!Number.isInteger(replicas) || replicas < 0 || (local === 0 && replicas === 0)) {
      throw new UsageError(`--waitaof <replicas> must be an integer >= 0, and not both zero; got ${local} ${replicas}`);
    }
    return { kind: "waitaof", local, replicas, timeoutMs };
  }
  return { kind: "primary" };
}

/** The command sent after a write, or undefined when the primary's reply is enough. */
export function confirmationCommand(d: Durability): { name: string; args: number[] } | undefined {
  switch (d.kind) {
    case "primary":
      return undefined;
    case "wait":
      return { name: "wait", args: [d.replicas, d.timeoutMs] };
    case "waitaof":
      return { name: "waitaof", args: [d.local, d.replicas, d.timeoutMs] };
  }
}

/**
 * Reads the reply of the confirmation command. Returns undefined when the requested durability was reached, or
 * the reason (recorded as the op's error) when it was not.
 */
export function shortfall(d: Durability, reply: unknown): string | undefined {
  if (d.kind === "wait") {
    const acked = Number(reply);
    if (!Number.isInteger(acked))
      return `durability: WAIT ${d.replicas} ${d.timeoutMs} gave an unexpected reply ${JSON.stringify(reply)}`;
    if (acked >= d.replicas) return undefined;
    return `durability: written on the primary, but WAIT reached ${acked} of ${d.replicas} replica(s) within ${d.timeoutMs} ms`;
  }
  if (d.kind === "waitaof") {
    const pair = Array.isArray(reply) ? reply.map(Number) : [];
    const [local, replicas] = pair;
    if (pair.length !== 2 || !Number.isInteger(local) || !Number.isInteger(replicas)) {
      return `durability: WAITAOF gave an unexpected reply ${JSON.stringify(reply)}`;
    }
    if ((local as number) >= d.local && (replicas as number) >= d.replicas) return undefined;
    return (
      `durability: written on the primary, but WAITAOF fsynced locally ${local}/${d.local} and on ` +
      `${replicas}/${d.replicas} replica(s) within ${d.timeoutMs} ms`
    );
  }
  return undefined;
}

/** Facts about a server, asked of it at run time. */
export interface ServerFacts {
  /** "redis", "valkey", "dragonfly", or what INFO says. */
  engine: string;
  version: string;
  /** COMMAND INFO <name> returned a description (not nil) for each command. */
  commands: Record<string, boolean>;
  /** CONFIG GET appendonly, if the server answered. */
  appendonly?: boolean;
}

/** Parses `INFO server` into engine and version, by the engines' one identification rule. */
export function engineFromInfo(info: string): { engine: string; version: string } {
  return identifyServer(parseInfo(info));
}

/** Refuses a durability mode the server cannot honour, naming what is missing. */
export function assertSupported(d: Durability, server: ServerFacts): void {
  const who = `${server.engine} ${server.version}`;
  if (d.kind === "wait" && server.commands.wait === false) {
    throw new UsageError(
      `--wait needs the WAIT command, which ${who} does not offer (COMMAND INFO wait is empty)`,
      "Drop --wait for this engine.",
    );
  }
  if (d.kind === "waitaof") {
    if (server.commands.waitaof === false) {
      throw new UsageError(
        `--waitaof needs the WAITAOF command, which ${who} does not offer (COMMAND INFO waitaof is empty)`,
        `WAITAOF exists ${waitaofWhere()}; use --wait <replicas> instead, or a newer server.`,
      );
    }
    if (d.local > 0 && server.appendonly === false) {
      throw new UsageError(
        `--waitaof ${d.local} ${d.replicas} asks for a local AOF fsync, but ${who} runs with appendonly no`,
        "Enable the AOF for the run (appendonly yes) or use --waitaof 0 <replicas>.",
      );
    }
  }
}
