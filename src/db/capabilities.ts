import type { DbName } from "../core/cluster.js";
import { identifyServer } from "./engines.js";
import { parseInfo } from "./info.js";

export { identifyServer };

/**
 * What a running server can do, asked of the server itself: INFO says who it is, COMMAND INFO whether a command
 * exists, CONFIG GET whether a setting exists. Version tables go stale (Redis 7.2 added WAITAOF, Dragonfly 1.40
 * added WAIT, forks add and drop things); the server's own answer does not.
 */
export interface Capabilities {
  engine: DbName;
  /** The version the server reports (redis_version, valkey_version or dragonfly_version). */
  version: string;
  /** Commands the workloads may want, by lower-case name. */
  commands: Record<string, boolean>;
  /** Config keys asked about, by name: true if CONFIG GET knows them. */
  config: Record<string, boolean>;
  /** INFO server multiplexing_api (epoll, iouring, ...), where reported. */
  multiplexingApi: string | undefined;
}

/** Sends one command to one server and returns the raw reply (ioredis `call`). */
export type Ask = (command: string, ...args: string[]) => Promise<unknown>;

/** Commands whose presence changes what a workload may do. */
export const PROBED_COMMANDS = ["wait", "waitaof"] as const;

/** COMMAND INFO answers [null] for an unknown command and [[name, arity, ...]] for a known one. */
export function commandKnown(reply: unknown): boolean {
  return Array.isArray(reply) && Array.isArray(reply[0]) && reply[0].length > 0;
}

/** CONFIG GET answers [key, value] for a known key and [] for an unknown one. */
export function configKnown(reply: unknown): boolean {
  return Array.isArray(reply) && reply.length >= 2;
}

export async function probeCapabilities(ask: Ask, configKeys: readonly string[]): Promise<Capabilities> {
  const info = parseInfo(String(await ask("INFO", "server")));
  const who = identifyServer(info);
  const commands: Record<string, boolean> = {};
  for (const name of PROBED_COMMANDS) {
    try {
      commands[name] = commandKnown(await ask("COMMAND", "INFO", name));
    } catch {
      // A server without COMMAND INFO: fall back to calling the command with bad arity, which a known command
      // rejects with "wrong number of arguments" and an unknown one with "unknown command".
      try {
        await ask(name);
        commands[name] = true;
      } catch (err) {
        commands[name] = !/unknown command/i.test((err as Error).message);
      }
    }
  }
  const config: Record<string, boolean> = {};
  for (const key of configKeys) {
    try {
      config[key] = configKnown(await ask("CONFIG", "GET", key));
    } catch {
      config[key] = false;
    }
  }
  return { ...who, commands, config, multiplexingApi: info.multiplexing_api };
}
