import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import type { ExecResult } from "../core/cluster.js";
import { UsageError } from "../core/exit.js";
import { trackRun } from "./cleanup.js";
import { creating } from "./creations.js";
import { docker } from "./engine.js";
import { labels } from "./labels.js";
import { type InspectedPorts, publishedPort } from "./ports.js";
import { tarFiles, tarOneFile, untar } from "./tar.js";

export type { ExecResult };

export interface NodeContainerSpec {
  runId: string;
  /** Node name (n1, s1, ...): also the container's hostname. */
  name: string;
  image: string;
  /** Fixed address on the run network. */
  ip: string;
  /** The run network's name (RunNetwork.name). */
  network: string;
  /** Size of the tmpfs mounted at /data, e.g. "256m". */
  tmpfsDataSize: string;
  /** Capabilities beyond NET_ADMIN (which every node gets, for iptables faults), e.g. SYS_ADMIN for FUSE. */
  capAdd?: string[];
  /** Host devices to pass through, e.g. ["/dev/fuse"]. */
  devices?: string[];
  /** Memory limit in bytes. */
  memoryLimit?: number;
  env?: Record<string, string>;
  /** Extra labels (the run label is always added). */
  extraLabels?: Record<string, string>;
  securityOpt?: string[];
  /** Where the size-limited tmpfs goes (default DATA_DIR; the lazy filesystem mounts DATA_DIR over it elsewhere). */
  tmpfsPath?: string;
  /** Process limits, e.g. memlock for Dragonfly's io_uring. The runtime may refuse to raise one above its own. */
  ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  /**
   * Container TCP ports to publish on the Docker host at `hostIp`, each on a free port Docker picks (read back into
   * NodeContainer.published). They exist as long as the container: removing it removes them.
   */
  publish?: { hostIp: string; ports: number[] };
  /**
   * Directories and files its command writes as the container starts, and a process it then launches beside PID 1's
   * `sleep infinity` (bootCmd). Spares the Docker calls of an upload and an exec into the running container, a
   * second and more on a busy host.
   */
  boot?: ContainerBoot;
}

export interface ContainerBoot {
  dirs: readonly string[];
  /** Text files (absolute paths). */
  files: ReadonlyArray<{ path: string; contents: string }>;
  /** A shell line, run by its own `sh -c`: started in the background and orphaned, so that tini reaps it. */
  script?: string;
}

export interface NodeContainer {
  id: string;
  /** Docker's container name: splitbrain-<run id>-<node name>. */
  containerName: string;
  name: string;
  ip: string;
  /** Container port -> the host port Docker published it on (only with NodeContainerSpec.publish). */
  published?: Record<number, number>;
}

export const DATA_DIR = "/data";

/**
 * PID 1 of every node is tini running `sleep infinity`: the container lives as long as the run, whatever happens to
 * the database inside it, and tini reaps database processes we SIGKILL (they are re-parented to PID 1 once the
 * shell that started them is gone), so `pgrep` never mistakes a zombie for a running server.
 */
export const NODE_ENTRYPOINT = ["/usr/bin/tini", "--"];
export const NODE_CMD = ["sleep", "infinity"];

/**
 * Creates and starts a node container. Tracked as in flight until it answers, and refused once the run's teardown
 * began, so teardown never lists the run's containers while one is still coming.
 */
export function createNodeContainer(spec: NodeContainerSpec): Promise<NodeContainer> {
  return creating(spec.runId, () => {
    trackRun(spec.runId);
    return createAndStart(spec);
  });
}

async function createAndStart(spec: NodeContainerSpec): Promise<NodeContainer> {
  const containerName = `splitbrain-${spec.runId}-${spec.name}`;
  const container = await docker()
    .createContainer({
      name: containerName,
      Hostname: spec.name,
      Image: spec.image,
      Entrypoint: NODE_ENTRYPOINT,
      Cmd: spec.boot ? bootCmd(spec.boot) : NODE_CMD,
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      Labels: labels(spec.runId, { "splitbrain.node": spec.name, ...(spec.extraLabels ?? {}) }),
      ...(spec.publish ? { ExposedPorts: Object.fromEntries(spec.publish.ports.map((p) => [`${p}/tcp`, {}])) } : {}),
      HostConfig: {
        // HostPort "" lets Docker choose a free port, so parallel runs never race for one.
        ...(spec.publish
          ? {
              PortBindings: Object.fromEntries(
                spec.publish.ports.map((p) => [`${p}/tcp`, [{ HostIp: spec.publish!.hostIp, HostPort: "" }]]),
              ),
            }
          : {}),
        NetworkMode: spec.network,
        CapAdd: ["NET_ADMIN", ...(spec.capAdd ?? [])],
        Devices: (spec.devices ?? []).map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: "rwm" })),
        Tmpfs: { [spec.tmpfsPath ?? DATA_DIR]: `rw,size=${spec.tmpfsDataSize},mode=0755` },
        ...(spec.memoryLimit ? { Memory: spec.memoryLimit } : {}),
        ...(spec.securityOpt ? { SecurityOpt: spec.securityOpt } : {}),
        ...(spec.ulimits?.length ? { Ulimits: spec.ulimits } : {}),
        RestartPolicy: { Name: "no" },
      },
      NetworkingConfig: {
        EndpointsConfig: { [spec.network]: { IPAMConfig: { IPv4Address: spec.ip } } },
      },
    })
    .catch((err: { statusCode?: number; message?: string }) => {
      if (err.statusCode === 404 && /image/i.test(err.message ?? "")) {
        throw new UsageError(
          `node image ${spec.image} is not in the local Docker engine`,
          "build one with: splitbrain image build --offline (see splitbrain image list), or pass another --image",
        );
      }
      throw err;
    });
  let published: Record<number, number> | undefined;
  try {
    await container.start();
    if (spec.publish) published = await readPublished(container, spec.publish.ports, containerName);
  } catch (err) {
    await container.remove({ force: true, v: true }).catch(() => undefined);
    throw err;
  }
  return { id: container.id, containerName, name: spec.name, ip: spec.ip, ...(published ? { published } : {}) };
}

/**
 * The node command, first writing the boot's files and launching its process. The files travel as the command's
 * arguments and its shell writes them: an archive upload into a created container costs dockerd a mount of its
 * file system, about as much as the start itself on a busy host. The subshell that launches the process exits at
 * once, so the launched shell is orphaned and re-parented to tini (PID 1), which reaps it when it dies, as it does a
 * process started by exec: `sleep`, which the container's shell becomes, would never reap a child, and a zombie
 * server would look alive to `kill -0`.
 */
export function bootCmd(boot: ContainerBoot): string[] {
  const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  const script = [
    ...(boot.dirs.length ? [`mkdir -p ${boot.dirs.map(q).join(" ")}`] : []),
    `while [ $# -gt 1 ]; do printf %s "$2" > "$1"; shift 2; done`,
    ...(boot.script ? [`(sh -c ${q(boot.script)} &)`] : []),
    `exec ${NODE_CMD.map(q).join(" ")}`,
  ].join("; ");
  return ["sh", "-c", script, "sh", ...boot.files.flatMap((f) => [f.path, f.contents])];
}

/** The host ports Docker chose, from inspect (they are assigned at start). */
async function readPublished(
  container: Docker.Container,
  ports: number[],
  containerName: string,
): Promise<Record<number, number>> {
  const info = await container.inspect();
  const out: Record<number, number> = {};
  for (const p of ports) {
    const hostPort = publishedPort(info.NetworkSettings.Ports as InspectedPorts, p);
    if (hostPort === undefined) {
      throw new Error(
        `${containerName}: Docker published no host port for ${p}/tcp (is the run network internal? ` +
          "internal networks cannot publish ports)",
      );
    }
    out[p] = hostPort;
  }
  return out;
}

export class ExecTimeoutError extends Error {
  constructor(
    readonly cmd: string[],
    readonly timeoutMs: number,
  ) {
    super(`command did not finish within ${timeoutMs} ms: ${cmd.join(" ")}`);
    this.name = "ExecTimeoutError";
  }
}

export interface ExecOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
}

const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

/**
 * Runs a command to completion and returns its exit code and demultiplexed output. A non-zero exit is a result,
 * not an error; only "we do not know how it ended" (Docker failed, or the timeout passed) throws.
 */
export async function execIn(containerId: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const exec = await docker()
    .getContainer(containerId)
    .exec({
      Cmd: cmd,
      AttachStdout: true,
      AttachStderr: true,
      Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(opts.user ? { User: opts.user } : {}),
      ...(opts.workingDir ? { WorkingDir: opts.workingDir } : {}),
    });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (b: Buffer) => out.push(b));
  stderr.on("data", (b: Buffer) => err.push(b));
  docker().modem.demuxStream(stream, stdout, stderr);

  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        stream.on("end", () => resolve());
        stream.on("close", () => resolve());
        stream.on("error", reject);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
          reject(new ExecTimeoutError(cmd, timeoutMs));
        }, timeoutMs);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
  const info = await waitForExit(exec);
  return {
    exitCode: info,
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8"),
  };
}

/** The stream can end a moment before Docker records the exit code; poll briefly until it does. */
async function waitForExit(exec: Docker.Exec): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("Docker did not report the exit code of a finished command");
}

/**
 * Starts a long-running process (a database server) and returns at once. Its output is not attached: send it to a
 * log file inside the container. Use `sh -c 'exec ... >>/data/x.log 2>&1'` to redirect.
 */
export async function execDetached(
  containerId: string,
  cmd: string[],
  opts: Omit<ExecOptions, "timeoutMs"> = {},
): Promise<void> {
  const exec = await docker()
    .getContainer(containerId)
    .exec({
      Cmd: cmd,
      AttachStdout: false,
      AttachStderr: false,
      Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(opts.user ? { User: opts.user } : {}),
      ...(opts.workingDir ? { WorkingDir: opts.workingDir } : {}),
    });
  const response = (await exec.start({ Detach: true })) as unknown;
  // Docker answers a detached start with an empty body, but the HTTP response is still a stream that keeps the
  // event loop (and so the CLI) alive until drained.
  const stream = response as { resume?: () => void; destroy?: () => void } | undefined;
  stream?.resume?.();
  stream?.destroy?.();
}

function splitPath(path: string): { dir: string; base: string } {
  if (!path.startsWith("/")) throw new Error(`container paths must be absolute: ${path}`);
  const i = path.lastIndexOf("/");
  return { dir: path.slice(0, i) || "/", base: path.slice(i + 1) };
}

/** Writes a file into a container (the directory must exist). */
export async function copyFileIn(
  containerId: string,
  path: string,
  content: string | Buffer,
  mode = 0o644,
): Promise<void> {
  const { dir, base } = splitPath(path);
  const archive = tarOneFile(
    base,
    Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8"),
    mode,
    Math.floor(Date.now() / 1000),
  );
  await docker().getContainer(containerId).putArchive(archive, { path: dir });
}

/**
 * Creates directories and writes files into a container in one archive upload: one Docker call where an exec
 * (mkdir) and a copy per file would each cost a round trip through dockerd. Paths are absolute.
 */
export async function copyFilesIn(
  containerId: string,
  dirs: readonly string[],
  files: ReadonlyArray<{ path: string; contents: string | Buffer }>,
): Promise<void> {
  await docker().getContainer(containerId).putArchive(filesArchive(dirs, files), { path: "/" });
}

/** An archive of absolute directories and files, to extract at "/". */
function filesArchive(
  dirs: readonly string[],
  files: ReadonlyArray<{ path: string; contents: string | Buffer }>,
): Buffer {
  const rel = (p: string) => {
    if (!p.startsWith("/")) throw new Error(`container paths must be absolute: ${p}`);
    return p.slice(1);
  };
  return tarFiles(
    [
      ...dirs.map((d) => ({ name: rel(d), dir: true })),
      ...files.map((f) => ({
        name: rel(f.path),
        content: Buffer.isBuffer(f.contents) ? f.contents : Buffer.from(f.contents, "utf8"),
      })),
    ],
    Math.floor(Date.now() / 1000),
  );
}

/** Reads one regular file out of a container. */
export async function copyFileOut(containerId: string, path: string): Promise<Buffer> {
  const stream = await docker().getContainer(containerId).getArchive({ path });
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const entry = untar(Buffer.concat(chunks)).find((e) => e.type === "0" || e.type === "\0");
  if (!entry) throw new Error(`${path} in the container is not a regular file`);
  return entry.content;
}

export async function removeContainer(containerId: string): Promise<void> {
  await docker()
    .getContainer(containerId)
    .remove({ force: true, v: true })
    .catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404) throw err;
    });
}
