import type { Node } from "../src/core/cluster.js";
import { UsageError } from "../src/core/exit.js";
import { faultLooks, type Nemesis, type NemesisContext, type NemesisPackage } from "../src/nemesis/nemesis.js";
import { aclRefusal, nodeCommand } from "../src/nemesis/node-io.js";

const LOOKS = faultLooks("config", "settings flipped", "#d0b090");

export interface ConfigOptions {
  /** `--config-set k=v,...`: the settings the fault sets on every data node while it is active, in the order given. */
  configSet?: Array<[string, string]>;
}

/**
 * Settings the fault will not touch: their values are secrets (CONFIG GET would put them in the history), or
 * changing them would cut the run off from the server or write files on its disk.
 */
const REFUSED: ReadonlyArray<[RegExp, string]> = [
  [/pass|auth|^masteruser$|^acl/, "its value is a credential, which the run would have to read and record"],
  [/^(port|tls-port|bind|bind-source-addr|unixsocket|unixsocketperm|protected-mode)$/, "it would cut the run off"],
  [/^(dir|dbfilename|appenddirname|appendfilename|logfile|aclfile|cluster-config-file|pidfile)$/, "it names files"],
];

/** Parses `--config-set appendfsync=no,min-replicas-to-write=0`: names as CONFIG GET knows them, values verbatim. */
export function parseConfigSet(text: string): Array<[string, string]> {
  const pairs = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (!pairs.length)
    throw new UsageError("--config-set is empty", "give name=value pairs: --config-set appendfsync=no");
  const out: Array<[string, string]> = [];
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const name = (eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase();
    if (eq < 0 || !/^[a-z0-9][a-z0-9-]*$/.test(name))
      throw new UsageError(
        `--config-set ${pair}: not a name=value pair`,
        "give settings as CONFIG SET names them, e.g. --config-set appendfsync=no,min-replicas-to-write=0",
      );
    const why = REFUSED.find(([re]) => re.test(name))?.[1];
    if (why) throw new UsageError(`--config-set will not change ${name}: ${why}`, "flip another setting");
    if (out.some(([n]) => n === name)) throw new UsageError(`--config-set names ${name} twice`);
    out.push([name, pair.slice(eq + 1).trim()]);
  }
  return out;
}

/** A CONFIG GET reply as text ("name\nvalue"): the value, or undefined when the server has no such setting. */
export function configValue(reply: string, name: string): string | undefined {
  const lines = reply.split("\n");
  const i = lines.findIndex((l) => l.trim().toLowerCase() === name);
  if (i < 0) return undefined;
  return (lines[i + 1] ?? "").trim();
}

export interface ConfigChange {
  node: string;
  setting: string;
  original: string;
  flipped: string;
  at: string;
  /** When the original value was put back, and how (stop, heal, teardown or Ctrl-C: the same heal). */
  restoredAt?: string;
  restoreError?: string;
}

/**
 * Flips server settings on the schedule: CONFIG SET on every data node at start, the values CONFIG GET read just
 * before put back at stop, at the heal, and on teardown or Ctrl-C (both heal every fault). CONFIG REWRITE is never
 * sent, so the server's configuration file keeps the user's values and a restart undoes the flip too.
 */
export function configNemesis(opts: ConfigOptions = {}): Nemesis {
  const settings = opts.configSet ?? [];
  const changes: ConfigChange[] = [];
  /** What is flipped now, per node and setting: the original to put back. */
  const flipped = new Map<string, { node: Node; setting: string; original: string; change: ConfigChange }>();

  const restore = async (ctx: NemesisContext) => {
    const errors: string[] = [];
    const restored: Array<{ node: string; setting: string; value: string }> = [];
    for (const [key, f] of [...flipped]) {
      try {
        await nodeCommand(ctx, f.node, ["CONFIG", "SET", f.setting, f.original]);
        flipped.delete(key);
        f.change.restoredAt = new Date().toISOString();
        delete f.change.restoreError;
        restored.push({ node: f.node.name, setting: f.setting, value: f.original });
      } catch (err) {
        const msg = `${f.node.name} ${f.setting}=${f.original}: ${(err as Error).message.split("\n")[0]}`;
        f.change.restoreError = msg;
        errors.push(msg);
      }
    }
    if (errors.length) throw new Error(`could not restore ${errors.join("; ")}`);
    return restored;
  };

  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      for (const node of ctx.cluster.nodes) {
        for (const [name] of settings) {
          let current: string | undefined;
          try {
            current = configValue(await nodeCommand(ctx, node, ["CONFIG", "GET", name]), name);
          } catch (err) {
            return `${node.name} refuses CONFIG GET ${name}: ${(err as Error).message.split("\n")[0]}`;
          }
          if (current === undefined) return `${node.name} has no setting ${name} (CONFIG GET ${name} is empty)`;
          const acl = await aclRefusal(ctx, node, ["CONFIG", "SET", name, current]);
          if (acl) return acl;
          // Setting the value it already has changes nothing, and is refused exactly where the flip would be
          // (a managed service, an immutable setting, a user without CONFIG SET).
          try {
            await nodeCommand(ctx, node, ["CONFIG", "SET", name, current]);
          } catch (err) {
            return `${node.name} refuses CONFIG SET ${name}: ${(err as Error).message.split("\n")[0]}`;
          }
        }
      }
      return undefined;
    },

    async start(ctx: NemesisContext) {
      const done: Array<{ node: string; setting: string; original: string; flipped: string }> = [];
      for (const node of ctx.cluster.nodes) {
        for (const [name, value] of settings) {
          const key = `${node.name}\u0000${name}`;
          // A start after a stop that could not restore keeps the first original: that is the user's value.
          const original =
            flipped.get(key)?.original ?? configValue(await nodeCommand(ctx, node, ["CONFIG", "GET", name]), name);
          if (original === undefined) throw new Error(`${node.name} has no setting ${name}`);
          const change: ConfigChange = {
            node: node.name,
            setting: name,
            original,
            flipped: value,
            at: new Date().toISOString(),
          };
          // Remembered before the SET: a SET that times out may still have been applied.
          flipped.set(key, { node, setting: name, original, change });
          changes.push(change);
          await nodeCommand(ctx, node, ["CONFIG", "SET", name, value]);
          done.push({ node: node.name, setting: name, original, flipped: value });
        }
      }
      return { nodes: ctx.cluster.nodes.map((n) => n.name), changes: done };
    },

    async stop(ctx: NemesisContext) {
      return { restored: await restore(ctx) };
    },

    async healAll(ctx: NemesisContext) {
      await restore(ctx);
    },

    mayRemain() {
      const left = [...flipped.values()].map((f) => `${f.node.name}: CONFIG SET ${f.setting} ${f.original}`);
      return `settings still flipped; put them back with ${left.join("; ") || "CONFIG SET <setting> <original> (see test.json faults.config)"}`;
    },

    describe() {
      return `config (CONFIG SET ${settings.map(([k, v]) => `${k}=${v}`).join(",")}, then back)`;
    },

    record() {
      return changes;
    },
  };
}

export const config: NemesisPackage<ConfigOptions> = {
  ...LOOKS,
  withoutNodeControl: true,
  summary: "flip server settings by command: --config-set k=v,... on start, the original values back on stop",
  dryRun: (o, intervalMs) =>
    `fault config every ${intervalMs / 1000}s: CONFIG GET, then CONFIG SET ${(o.configSet ?? []).map(([k, v]) => `${k} ${v}`).join(", ")} on every data node; the values read put back at stop, heal and Ctrl-C (never CONFIG REWRITE)`,
  planProblem: (plan) =>
    plan.options.configSet?.length
      ? undefined
      : "--nemesis config needs --config-set name=value[,name=value...] (e.g. appendfsync=no)",
  options: [
    {
      flags: "--config-set <k=v,...>",
      description: "config fault: settings to flip on every data node while it is active (CONFIG SET; restored after)",
      parse: (text, problems) => {
        try {
          return { configSet: parseConfigSet(String(text)) };
        } catch (err) {
          const e = err as UsageError;
          problems.push(e.hint ? `${e.message} (${e.hint})` : e.message);
          return {};
        }
      },
    },
  ],
  create: configNemesis,
};
