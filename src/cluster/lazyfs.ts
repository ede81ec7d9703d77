import type { ExecResult } from "../core/cluster.js";
import { UsageError } from "../core/exit.js";
import { docker } from "../docker/engine.js";

/**
 * The lazy filesystem as the cluster layer sees it (the filesystem itself is docker/node/lazyfs/lazyfs.py, carried
 * by every node image). Only runs with a fault that needs it mount it: the size-limited tmpfs then sits at
 * LAZYFS_BACKING and holds what is durable, and the database's data directory is the FUSE view over it.
 */

export interface LazyFsOptions {
  /** Name changes durable only after an fsync of their directory (strict POSIX), instead of at once. */
  strictMetadata?: boolean;
}

export const LAZYFS_BACKING = "/durable";
export const LAZYFS_CONTROL = "/run/splitbrain/lazyfs.sock";
export const LAZYFS_LOG = "/var/log/splitbrain/lazyfs.log";
const LAZYFS_HOME = "/usr/local/lib/splitbrain/node/lazyfs";

/** What a node container needs for a FUSE mount inside it. */
export interface LazyFsContainerNeeds {
  tmpfsPath: string;
  capAdd: string[];
  devices: string[];
  securityOpt?: string[];
}

/** AppArmor's default Docker profile forbids mount(2); where the engine enforces AppArmor, nodes run unconfined. */
export async function lazyFsContainerNeeds(): Promise<LazyFsContainerNeeds> {
  const info = (await docker().info()) as { SecurityOptions?: string[] };
  const apparmor = (info.SecurityOptions ?? []).some((o) => /name=apparmor/.test(o));
  return {
    tmpfsPath: LAZYFS_BACKING,
    capAdd: ["SYS_ADMIN"],
    devices: ["/dev/fuse"],
    ...(apparmor ? { securityOpt: ["apparmor=unconfined"] } : {}),
  };
}

type Exec = (cmd: string[], opts?: { timeoutMs?: number }) => Promise<ExecResult>;

/** The shell line that mounts the lazy view at `dataDir` unless it is mounted already, and waits for the mount. */
export function mountScript(dataDir: string, opts: LazyFsOptions): string {
  const strict = opts.strictMetadata ? " --strict-metadata" : "";
  return [
    `grep -q ' ${dataDir} fuse' /proc/mounts && exit 0`,
    // Images built before the lazy filesystem existed lack it (or fusepy): a distinct exit code names the fix.
    `[ -f ${LAZYFS_HOME}/lazyfs.py ] && python3 -c 'import fusepy' 2>/dev/null || exit ${NO_LAZYFS_EXIT}`,
    `mkdir -p ${dataDir} /run/splitbrain /var/log/splitbrain`,
    // setsid: the filesystem must outlive this exec and never receive the signals aimed at the database.
    `setsid python3 ${LAZYFS_HOME}/lazyfs.py --backing ${LAZYFS_BACKING} --mount ${dataDir} --control ${LAZYFS_CONTROL}${strict} >> ${LAZYFS_LOG} 2>&1 < /dev/null &`,
    `i=0; while [ $i -lt 100 ]; do grep -q ' ${dataDir} fuse' /proc/mounts && [ -S ${LAZYFS_CONTROL} ] && exit 0; i=$((i+1)); sleep 0.1; done`,
    `echo "the lazy filesystem did not mount at ${dataDir} within 10 s:" >&2; tail -n 20 ${LAZYFS_LOG} >&2; exit 1`,
  ].join("\n");
}

const NO_LAZYFS_EXIT = 42;

export async function ensureLazyFsMounted(
  node: string,
  exec: Exec,
  dataDir: string,
  opts: LazyFsOptions,
): Promise<void> {
  const r = await exec(["sh", "-c", mountScript(dataDir, opts)], { timeoutMs: 20_000 });
  if (r.exitCode === NO_LAZYFS_EXIT) {
    throw new UsageError(
      `${node}: the node image has no lazy filesystem (docker/node/lazyfs with python3-fusepy), which power-loss needs`,
      "run on an image that has it: pick one with --version or --image (splitbrain image list; offline builds from bookworm and trixie carry python3-fusepy, sid did not), or rebuild an old one with splitbrain image build --offline",
    );
  }
  if (r.exitCode !== 0)
    throw new Error(`${node}: ${(r.stderr || r.stdout).trim() || "mounting the lazy filesystem failed"}`);
}

/** What one power loss discarded on one node, as lazyfs reports it. */
export interface PowerLossReport {
  discardedBytes: number;
  keptBytes: number;
  files: Array<{ path: string; discardedBytes: number; keptBytes: number; removed?: boolean }>;
  namesUndone: string[];
  torn: boolean;
  strict: boolean;
}

export async function isLazyFsMounted(exec: Exec, dataDir: string): Promise<boolean> {
  const r = await exec(["sh", "-c", `grep -q ' ${dataDir} fuse' /proc/mounts && [ -S ${LAZYFS_CONTROL} ]`]);
  return r.exitCode === 0;
}

/** Drops every unsynced byte on the node (keeping a random prefix of each file's unsynced tail when torn). */
export async function loseUnsynced(
  node: string,
  exec: Exec,
  opts: { torn?: boolean; seed?: number } = {},
): Promise<PowerLossReport> {
  const args = ["python3", `${LAZYFS_HOME}/lazyfsctl.py`, "--control", LAZYFS_CONTROL, "lose"];
  if (opts.torn) args.push("--torn", ...(opts.seed !== undefined ? ["--seed", String(opts.seed)] : []));
  const r = await exec(args, { timeoutMs: 60_000 });
  let parsed: (PowerLossReport & { error?: string }) | undefined;
  try {
    parsed = JSON.parse(r.stdout) as PowerLossReport & { error?: string };
  } catch {
    parsed = undefined;
  }
  if (r.exitCode !== 0 || parsed === undefined || parsed.error !== undefined) {
    throw new Error(`${node}: dropping unsynced data failed: ${parsed?.error ?? (r.stderr || r.stdout).trim()}`);
  }
  return parsed;
}
