import type { ExecResult, Node } from "../core/cluster.js";
import { cliBinaries } from "../db/engines.js";
import { defaultGatewayFromProcRoute } from "./gateway.js";
import type { NemesisContext } from "./nemesis.js";

/**
 * The few ways a nemesis talks to a node, all through Node.exec: checked shell scripts and the database's own CLI.
 * Kept here so each fault file reads as its command sequence and nothing else.
 */

export class NodeCommandError extends Error {
  constructor(
    readonly node: string,
    readonly what: string,
    readonly result: ExecResult,
  ) {
    const detail = (result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode}`).split("\n")[0];
    super(`${node}: ${what} failed: ${detail}`);
    this.name = "NodeCommandError";
  }
}

/** Runs a POSIX shell script in the node and throws NodeCommandError on a non-zero exit. */
export async function shell(node: Node, script: string, what: string, timeoutMs = 30_000): Promise<ExecResult> {
  const result = await node.exec(["sh", "-c", script], { timeoutMs });
  if (result.exitCode !== 0) throw new NodeCommandError(node.name, what, result);
  return result;
}

/**
 * Images carry redis-cli or valkey-cli (Dragonfly speaks the same protocol, so either works against it). The first
 * one present is used; the database is reached on the node's own address, which no fault ever cuts.
 */
const CLIS = cliBinaries();
const CLI_LAUNCHER =
  `for c in ${CLIS.join(" ")}; do if command -v "$c" >/dev/null 2>&1; then exec "$c" "$@"; fi; done; ` +
  `echo "the node image has ${CLIS.length > 1 ? `neither ${CLIS.join(" nor ")}` : `no ${CLIS[0]}`}" >&2; exit 127`;

export function cliCommand(node: Node, args: readonly string[], port = node.port): string[] {
  return ["sh", "-c", CLI_LAUNCHER, "splitbrain-cli", "-h", node.ip, "-p", String(port), ...args];
}

/** Error replies from redis-cli in non-interactive mode are printed as "ERR ..." / "(error) ERR ..." lines. */
const ERROR_REPLY =
  /^(\(error\) )?(ERR|WRONGTYPE|MISCONF|OOM|NOPERM|NOAUTH|LOADING|BUSY|READONLY|MASTERDOWN|NOREPLICAS|CLUSTERDOWN|NOTBUSY|INPROG|NOGOODSLAVE|UNKILLABLE|Could not connect)\b/;

export function replyError(stdout: string): string | undefined {
  const first = stdout.trim().split("\n")[0] ?? "";
  return ERROR_REPLY.test(first) ? first.replace(/^\(error\) /, "") : undefined;
}

/** Runs one database command through the CLI; throws on a failed exec or an error reply, returns the reply text. */
export async function dbCommand(
  node: Node,
  args: readonly string[],
  opts: { port?: number; timeoutMs?: number } = {},
): Promise<string> {
  const what = args.slice(0, 2).join(" ");
  const result = await node.exec(cliCommand(node, args, opts.port), { timeoutMs: opts.timeoutMs ?? 10_000 });
  if (result.exitCode !== 0) throw new NodeCommandError(node.name, what, result);
  const error = replyError(result.stdout);
  if (error !== undefined) throw new NodeCommandError(node.name, what, { ...result, stderr: error });
  return result.stdout.trim();
}

/**
 * Runs `act` on every node even when some fail, then throws one error naming every failure. Heals use this, so one
 * unreachable node never leaves the others faulty.
 */
export async function onEach<T>(nodes: readonly Node[], act: (node: Node) => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(nodes.map((n) => act(n)));
  const failures = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
  if (failures.length > 0) {
    const message = failures.map((f) => (f instanceof Error ? f.message : String(f))).join("; ");
    throw new Error(message);
  }
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** Data nodes and Sentinel-only nodes: everything that has a network stack a partition can cut. */
export function everyNode(cluster: { nodes: readonly Node[]; sentinels: readonly Node[] }): Node[] {
  return [...cluster.nodes, ...cluster.sentinels];
}

export function byName(nodes: readonly Node[], names: readonly string[]): Node[] {
  return names.map((name) => {
    const node = nodes.find((n) => n.name === name);
    if (node === undefined) throw new Error(`no node named ${name}`);
    return node;
  });
}

/** Quotes a value for a POSIX shell script. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Polls `check` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The test runner's address as this node sees it: what the node itself reported for the runner's connection at
 * start (cluster.runnerSeenAs: the same in direct and published client modes on Linux, a forwarder's address
 * elsewhere), else the network's gateway, which is the host's address on a local engine (see gateway.ts).
 */
export async function runnerAddress(
  node: Node,
  cluster?: { runnerSeenAs?: Readonly<Record<string, string>> },
): Promise<string> {
  const seen = cluster?.runnerSeenAs?.[node.name];
  if (seen !== undefined) return seen;
  const routes = await shell(node, "cat /proc/net/route", "reading the routing table");
  const gateway = defaultGatewayFromProcRoute(routes.stdout);
  if (gateway === undefined) throw new Error(`${node.name}: no default route, so the test runner's address is unknown`);
  return gateway;
}

/** A reply as redis-cli would print it (what callers parse), from a command sent over a connection. */
function asText(reply: unknown): string {
  return Array.isArray(reply) ? reply.flat(3).map(String).join("\n") : String(reply ?? "");
}

/**
 * One command to a node: through the CLI inside it where the run controls the nodes, else over a connection with
 * the target's credentials (an existing deployment: NemesisContext.command), where the server's refusal is the error.
 */
export async function nodeCommand(
  ctx: NemesisContext,
  node: Node,
  args: string[],
  port?: number,
  timeoutMs?: number,
): Promise<string> {
  if (ctx.allows?.nodeControl === false) {
    if (!ctx.command) throw new Error("this target offers no way to send commands");
    const opts = { sentinel: node.kind === "sentinel", ...(timeoutMs ? { timeoutMs } : {}) };
    return asText(await ctx.command(node.ip, port ?? node.port, args, opts));
  }
  return dbCommand(node, args, { ...(port === undefined ? {} : { port }), ...(timeoutMs ? { timeoutMs } : {}) });
}

/**
 * Whether the server's ACL lets the run's user send `command`, asked with ACL DRYRUN before the run; undefined when
 * allowed or when the server cannot say (no ACL DRYRUN, or the user may not ask): the command's own refusal then
 * shows in the history.
 */
export async function aclRefusal(ctx: NemesisContext, node: Node, command: string[]): Promise<string | undefined> {
  const who = await nodeCommand(ctx, node, ["ACL", "WHOAMI"]).catch(() => undefined);
  if (who === undefined) return undefined;
  const verdict = await nodeCommand(ctx, node, ["ACL", "DRYRUN", who, ...command]).catch(() => "OK");
  return verdict.trim() === "OK" ? undefined : `the server refuses ${command.join(" ")} for ${who}: ${verdict.trim()}`;
}
