import { tryAdminCall } from "../client/admin.js";
import type { ExecResult, Node } from "../core/cluster.js";
import type { Launch } from "../db/db.js";
import { type ContainerBoot, copyFilesIn, execDetached, execIn } from "../docker/container.js";
import { ensureLazyFsMounted, type LazyFsOptions } from "./lazyfs.js";

/** Where process logs and pid files live: outside /data, so a full data disk does not also silence the logs. */
export const LOG_DIR = "/var/log/splitbrain";
export const PID_DIR = "/run/splitbrain";

export function logPath(process: Launch["process"]): string {
  return `${LOG_DIR}/${process}.log`;
}

export function pidPath(process: Launch["process"]): string {
  return `${PID_DIR}/${process}.pid`;
}

/**
 * The shell line that runs a process in the foreground of its own shell: the shell writes its pid, then `exec`s the
 * server, so the pid file names the server itself (signals reach it, not a wrapper). Output is appended, so a
 * restarted process's log follows the one that was killed.
 */
export function launchScript(launch: Launch): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `echo $$ > ${pidPath(launch.process)}; exec ${launch.argv.map(q).join(" ")} >> ${logPath(launch.process)} 2>&1`;
}

export interface DockerNodeInit {
  name: string;
  kind: "data" | "sentinel";
  ip: string;
  port: number;
  containerId: string;
  dataDir: string;
  /** The database (data nodes) and Sentinel (Sentinel nodes and co-located ones), in start order. */
  launches: Launch[];
  /** Called once per config file written, so the run's results keep a copy. */
  saveConfig(node: string, saveAs: string, contents: string): Promise<void>;
  /** How long startDb waits for PING. */
  startTimeoutMs?: number;
  /** Mount the data directory through the lazy filesystem before the first start (runs with power-loss). */
  lazyFs?: LazyFsOptions;
  /**
   * The container was created with every launch's files in place (bootFor), and launched this process, if any, as
   * it started.
   */
  booted?: { process?: Launch["process"] };
}

/**
 * What a node's container is created with: every launch's directories and config files, as a first start writes
 * them, and the launch line of `process`, if given, to run as it starts.
 */
export function bootFor(launches: readonly Launch[], process?: Launch["process"]): ContainerBoot {
  const files = launches.flatMap((l) => l.files);
  const launch = launches.find((l) => l.process === process);
  return { dirs: configDirs(files), files, ...(launch ? { script: launchScript(launch) } : {}) };
}

function configDirs(files: readonly Launch["files"][number][]): string[] {
  return [...new Set([LOG_DIR, PID_DIR, ...files.map((f) => f.path.replace(/\/[^/]*$/, ""))])];
}

const SENTINEL_PORT_OF_LAUNCH = 26379;

/**
 * A node as nemeses and the runner see it. Config files are written on the first start only: like a machine's disk,
 * they keep whatever the server or Sentinel rewrote (CONFIG REWRITE after a failover) across process restarts.
 */
export class DockerNode implements Node {
  readonly name: string;
  readonly kind: "data" | "sentinel";
  readonly ip: string;
  readonly port: number;
  readonly containerId: string;
  readonly dataDir: string;
  readonly launches: readonly Launch[];
  private readonly init: DockerNodeInit;
  private configsWritten: Promise<void> | undefined;
  /** Processes launched in this container so far. */
  private readonly launched = new Set<Launch["process"]>();
  /** The process the container launched itself, until a start waits for it: that start has nothing to launch. */
  private booting: Launch["process"] | undefined;

  constructor(init: DockerNodeInit) {
    this.init = init;
    this.name = init.name;
    this.kind = init.kind;
    this.ip = init.ip;
    this.port = init.port;
    this.containerId = init.containerId;
    this.dataDir = init.dataDir;
    this.launches = init.launches;
    if (init.booted) {
      if (init.booted.process) this.launched.add(init.booted.process);
      this.booting = init.booted.process;
      const saving = Promise.all(
        init.launches.flatMap((l) => l.files).map((f) => init.saveConfig(this.name, f.saveAs, f.contents)),
      ).then(() => undefined);
      // A failed copy is tried again, with the upload, by the next start (writeConfigsOnce).
      saving.catch(() => (this.configsWritten = undefined));
      this.configsWritten = saving;
    }
  }

  exec(cmd: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    return execIn(this.containerId, cmd, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});
  }

  /** The port a launched process listens on. */
  portOf(process: Launch["process"]): number {
    return process === "sentinel"
      ? SENTINEL_PORT_OF_LAUNCH
      : this.kind === "data"
        ? this.port
        : SENTINEL_PORT_OF_LAUNCH;
  }

  startDb(): Promise<void> {
    return this.start(["db", "sentinel"]);
  }

  /** Starts the named processes of this node that are not running, and waits until each answers PING. */
  async start(processes: ReadonlyArray<Launch["process"]>): Promise<void> {
    if (this.init.lazyFs && processes.includes("db")) {
      await ensureLazyFsMounted(this.name, (cmd, o) => this.exec(cmd, o), this.dataDir, this.init.lazyFs);
    }
    const launches = this.launches.filter((l) => processes.includes(l.process));
    // Processes never launched in this container cannot be running nor have left a pid file: skip asking (two
    // execs each, which on a busy Docker host take most of a start).
    const fresh = launches.filter((l) => !this.launched.has(l.process));
    await this.writeConfigsOnce();
    for (const launch of launches) {
      if (launch.process === this.booting) {
        this.booting = undefined;
        continue;
      }
      if (!fresh.includes(launch)) {
        if (await this.processRunning(launch.process)) continue;
        // A stale pid file from a killed predecessor would make a process that failed to start look alive.
        await this.exec(["rm", "-f", pidPath(launch.process)]);
      }
      this.launched.add(launch.process);
      await execDetached(this.containerId, ["sh", "-c", launchScript(launch)]);
    }
    await Promise.all(launches.map((launch) => this.waitForPing(launch)));
  }

  async signalDb(signal: "SIGKILL" | "SIGTERM" | "SIGSTOP" | "SIGCONT"): Promise<void> {
    const process = this.kind === "data" ? "db" : "sentinel";
    await this.signalProcess(process, signal);
  }

  async signalProcess(process: Launch["process"], signal: string): Promise<void> {
    const name = signal.replace(/^SIG/, "");
    const r = await this.exec(["sh", "-c", `p=$(cat ${pidPath(process)} 2>/dev/null) && kill -s ${name} "$p"`]);
    if (r.exitCode !== 0 && (await this.processRunning(process))) {
      throw new Error(
        `${this.name}: kill -s ${name} of the ${process} process failed: ${(r.stderr || r.stdout).trim()}`,
      );
    }
  }

  dbRunning(): Promise<boolean> {
    return this.processRunning(this.kind === "data" ? "db" : "sentinel");
  }

  async processRunning(process: Launch["process"]): Promise<boolean> {
    // kill -0 succeeds for a stopped (SIGSTOP) process too, which is what "running" means here. tini reaps dead
    // servers, so a zombie never answers.
    const r = await this.exec(["sh", "-c", `p=$(cat ${pidPath(process)} 2>/dev/null) && kill -0 "$p" 2>/dev/null`]);
    return r.exitCode === 0;
  }

  /** "starting" until the launch shell has written its pid file. */
  async processState(process: Launch["process"]): Promise<"running" | "exited" | "starting"> {
    const r = await this.exec([
      "sh",
      "-c",
      `[ -s ${pidPath(process)} ] || exit 2; kill -0 "$(cat ${pidPath(process)})" 2>/dev/null || exit 1`,
    ]);
    return r.exitCode === 0 ? "running" : r.exitCode === 2 ? "starting" : "exited";
  }

  dbLog(tailLines?: number): Promise<string> {
    return this.processLog(this.kind === "data" ? "db" : "sentinel", tailLines);
  }

  async processLog(process: Launch["process"], tailLines?: number): Promise<string> {
    const cmd =
      tailLines === undefined ? ["cat", logPath(process)] : ["tail", "-n", String(tailLines), logPath(process)];
    const r = await this.exec(cmd);
    return r.exitCode === 0 ? r.stdout : "";
  }

  /** Writes the node's config files ahead of its first start, so that start only launches. */
  prepare(): Promise<void> {
    return this.writeConfigsOnce();
  }

  /** Once per node, shared by starts that overlap (a co-located Sentinel starting while its server does). */
  private writeConfigsOnce(): Promise<void> {
    if (this.configsWritten === undefined) {
      const writing = (async () => {
        const files = this.launches.flatMap((l) => l.files);
        await copyFilesIn(this.containerId, configDirs(files), files);
        await Promise.all(files.map((file) => this.init.saveConfig(this.name, file.saveAs, file.contents)));
      })();
      // A failed write is tried again by the next start rather than remembered.
      writing.catch(() => (this.configsWritten = undefined));
      this.configsWritten = writing;
    }
    return this.configsWritten;
  }

  private async waitForPing(launch: Launch): Promise<void> {
    const deadline = Date.now() + (this.init.startTimeoutMs ?? 20_000);
    const port = this.portOf(launch.process);
    let last = "";
    const firstStateCheck = Date.now() + 300;
    // A server that exits at start (bad config, missing binary) will never answer: say why soon. The question is an
    // exec, slower than the start it watches (a second and more on a busy Docker host), so it is asked in the
    // background, one at a time, while the pings go on every 50 ms; and not in the first 300 ms.
    let asking: Promise<void> | undefined;
    let answer: { exited: true } | { failed: Error } | undefined;
    for (;;) {
      const r = await tryAdminCall(this.ip, port, ["PING"], 1000);
      if (r.ok) return;
      last = r.error;
      if (answer && "failed" in answer) throw answer.failed;
      if (answer) {
        const tail = await this.processLog(launch.process, 20);
        throw new Error(
          `${this.name}: ${launch.argv[0]} exited during start-up. Last lines of ${logPath(launch.process)}:\n${tail.trimEnd() || "(empty)"}`,
        );
      }
      if (!asking && Date.now() >= firstStateCheck) {
        asking = this.processState(launch.process).then(
          (state) => {
            if (state === "exited") answer = { exited: true };
            asking = undefined;
          },
          (err: Error) => {
            answer = { failed: err };
          },
        );
      }
      if (Date.now() > deadline) {
        const tail = await this.processLog(launch.process, 20);
        throw new Error(
          `${this.name}: ${launch.argv[0]} did not answer PING on ${this.ip}:${port} (${last}). Last lines of its log:\n${tail.trimEnd()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
