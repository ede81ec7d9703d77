import { spawn } from "node:child_process";
import type { Cluster } from "../src/core/cluster.js";
import { faultLooks, type Nemesis, type NemesisContext, type NemesisPackage } from "../src/nemesis/nemesis.js";

const LOOKS = faultLooks("hook", "hook", "#c0a070");

/** How much of a hook's stdout and stderr the history keeps (the end: where a failing command says why). */
const OUTPUT_TAIL_CHARS = 2000;
export const DEFAULT_HOOK_TIMEOUT_MS = 60_000;

export interface HookOptions {
  /** `--hook-start`: the shell command that starts the fault (kubectl delete pod, a cloud CLI's failover). */
  hookStart?: string;
  /** `--hook-stop`: the shell command that ends it, also the heal of a start that failed. */
  hookStop?: string;
  /** `--hook-check`: run before the run (it must exit 0) and after each stop; its result is recorded. */
  hookCheck?: string;
  /** `--hook-timeout`: how long one hook command may run before it is killed (its outcome is then unknown). */
  hookTimeoutMs?: number;
}

/** What one hook command did: recorded as the nemesis op's value (or its error), and in test.json. */
export interface HookResult {
  command: string;
  exitCode: number | null;
  signal?: string;
  timedOut?: true;
  durationMs: number;
  stdout: string;
  stderr: string;
}

function tail(text: string): string {
  return text.length > OUTPUT_TAIL_CHARS ? `...${text.slice(-OUTPUT_TAIL_CHARS)}` : text;
}

/**
 * Runs one command with `sh -c`, in its own process group so a timeout kills what it started too. The current
 * primary is passed in the environment (SPLITBRAIN_PRIMARY=host:port, SPLITBRAIN_PRIMARY_NAME), so a hook can aim
 * at whatever the deployment calls its primary at that moment.
 */
export async function runHook(command: string, env: Record<string, string>, timeoutMs: number): Promise<HookResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout = (stdout + d.toString()).slice(-4 * OUTPUT_TAIL_CHARS);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4 * OUTPUT_TAIL_CHARS);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Already gone.
      }
    }, timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      clearTimeout(timer);
      resolve({
        command,
        exitCode: code,
        ...(signal ? { signal } : {}),
        ...(timedOut ? { timedOut: true as const } : {}),
        durationMs: Math.round(performance.now() - t0),
        stdout: tail(stdout.trim()),
        stderr: tail((spawnError ? `${spawnError.message}\n${stderr}` : stderr).trim()),
      });
    };
    child.on("error", (err) => finish(null, null, err));
    child.on("close", (code, signal) => finish(code, signal));
  });
}

async function hookEnv(cluster: Cluster): Promise<Record<string, string>> {
  const primary = await cluster.primary().catch(() => undefined);
  return {
    SPLITBRAIN_RUN_ID: cluster.runId,
    ...(cluster.name !== undefined ? { SPLITBRAIN_TARGET: cluster.name } : {}),
    ...(primary ? { SPLITBRAIN_PRIMARY: `${primary.ip}:${primary.port}`, SPLITBRAIN_PRIMARY_NAME: primary.name } : {}),
  };
}

function failed(r: HookResult): boolean {
  return r.exitCode !== 0;
}

function says(r: HookResult): string {
  const how = r.timedOut ? `was killed after ${r.durationMs} ms (timeout)` : `exited ${r.exitCode ?? r.signal}`;
  const out = r.stderr || r.stdout;
  return `${how}${out ? `: ${out.split("\n").slice(-3).join(" | ")}` : ""}`;
}

/**
 * The user's own fault: shell commands run on the schedule like any fault (start, then stop an interval later), for
 * what splitbrain cannot do itself on a deployment it does not own: delete a pod, cut a network with kubectl exec,
 * press a managed service's failover. Each command's exit code, timing and output are the op's value; a start that
 * fails is healed at once with the stop command, since it may have done half of what it meant to.
 */
export function hookNemesis(opts: HookOptions = {}): Nemesis {
  const timeoutMs = opts.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  const results: Array<HookResult & { step: "start" | "stop" | "check" | "heal"; at: string }> = [];
  let started = false;
  const run = async (step: "start" | "stop" | "check" | "heal", command: string, ctx: NemesisContext) => {
    const r = await runHook(command, await hookEnv(ctx.cluster), timeoutMs);
    results.push({ step, at: new Date().toISOString(), ...r });
    return r;
  };
  const stopCommand = opts.hookStop!;
  return {
    ...LOOKS,

    async unavailable(ctx: NemesisContext) {
      if (!opts.hookCheck) return undefined;
      const r = await run("check", opts.hookCheck, ctx);
      return failed(r) ? `--hook-check ${says(r)}` : undefined;
    },

    async start(ctx: NemesisContext) {
      started = true;
      const r = await run("start", opts.hookStart!, ctx);
      if (!failed(r)) return r;
      const heal = await run("heal", stopCommand, ctx);
      if (!failed(heal)) started = false;
      throw new Error(
        `--hook-start ${says(r)}; healed with --hook-stop, which ${failed(heal) ? says(heal) : "exited 0"}`,
      );
    },

    async stop(ctx: NemesisContext) {
      const r = await run("stop", stopCommand, ctx);
      if (failed(r)) throw new Error(`--hook-stop ${says(r)}`);
      started = false;
      if (!opts.hookCheck) return r;
      const check = await run("check", opts.hookCheck, ctx);
      return { ...r, check };
    },

    async healAll(ctx: NemesisContext) {
      if (!started) return;
      const r = await run("heal", stopCommand, ctx);
      if (failed(r)) throw new Error(`--hook-stop ${says(r)}`);
      started = false;
    },

    mayRemain() {
      return `whatever --hook-start (${opts.hookStart}) did, which --hook-stop (${stopCommand}) did not undo`;
    },

    describe() {
      return `hook (start: ${opts.hookStart}; stop: ${stopCommand})`;
    },

    record() {
      return results;
    },
  };
}

export const hook: NemesisPackage<HookOptions> = {
  ...LOOKS,
  summary: "your own commands: --hook-start <cmd> on the schedule, --hook-stop <cmd> after (kubectl, a cloud CLI)",
  withoutNodeControl: true,
  dryRun: (o, intervalMs) =>
    `fault hook every ${intervalMs / 1000}s: runs \`${o.hookStart}\`, then \`${o.hookStop}\`${o.hookCheck ? `; checks with \`${o.hookCheck}\`` : ""}`,
  planProblem: (plan) =>
    plan.options.hookStart === undefined || plan.options.hookStop === undefined
      ? "--nemesis hook needs --hook-start <cmd> and --hook-stop <cmd> (shell commands; the stop also heals)"
      : undefined,
  options: [
    {
      flags: "--hook-start <cmd>",
      description: "hook fault: shell command that starts the fault (exit 0 = done); SPLITBRAIN_PRIMARY is set",
      parse: (text) => ({ hookStart: String(text) }),
    },
    {
      flags: "--hook-stop <cmd>",
      description: "hook fault: shell command that ends it; also heals a start that failed",
      parse: (text) => ({ hookStop: String(text) }),
    },
    {
      flags: "--hook-check <cmd>",
      description: "hook fault: command that must exit 0 before the run; run again after each stop",
      parse: (text) => ({ hookCheck: String(text) }),
    },
    {
      flags: "--hook-timeout <s>",
      description: `hook fault: seconds a hook command may run before it is killed (default: ${DEFAULT_HOOK_TIMEOUT_MS / 1000})`,
      parse: (text, problems) => {
        const s = Number(text);
        if (Number.isFinite(s) && s > 0) return { hookTimeoutMs: Math.round(s * 1000) };
        problems.push(`--hook-timeout takes a positive number of seconds (got "${text}")`);
        return {};
      },
    },
  ],
  create: hookNemesis,
};
