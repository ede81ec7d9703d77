import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "../core/exit.js";
import { makeDirs } from "../core/outputPaths.js";
import { onTeardown } from "../docker/cleanup.js";
import { NODE_CMD, NODE_ENTRYPOINT } from "../docker/container.js";
import { docker, requireDocker } from "../docker/engine.js";
import { IMAGE_LABELS } from "../docker/labels.js";
import {
  chooseSuite,
  definitionHash,
  imageTag,
  missingDebs,
  type OfflineDefinition,
  OPTIONAL_NODE_PACKAGES,
  offlineDefinition,
  parseServerVersion,
  versionMatches,
} from "./definition.js";
import { cacheDir, nodeFiles } from "./files.js";
import { listNodeImages, type NodeImageInfo } from "./images.js";
import { debianMirror } from "./mirror.js";
import type { NodeImage } from "./nodeImage.js";
import { LEGACY_PATH, probeNodeImage } from "./probe.js";
import { Progress } from "./progress.js";

export interface OfflineBuildOptions {
  /** The engine's image as its folder declares it. */
  image: NodeImage;
  version?: string;
  suite?: string;
  /** The server binary, for an engine Debian does not package (`image.offlineBinary`). */
  binary?: string;
  /** Rebuild even when an image of the same definition exists (the cached root filesystem is still reused). */
  force?: boolean;
  quiet?: boolean;
}

export interface BuiltImage {
  ref: string;
  version: string;
  reused: boolean;
  iptablesBackend?: string;
}

const NODE_FILES_IN_IMAGE = "/usr/local/lib/splitbrain/node";
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Whether this machine can build offline images, and if not, what to do about it. */
export function offlinePrerequisites(): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  if (process.getuid?.() !== 0)
    problems.push("offline builds run debootstrap and chroot, which need root: run as root");
  if (!which("debootstrap")) problems.push("debootstrap is missing: apt-get install debootstrap");
  if (!debianMirror())
    problems.push(
      "no Debian mirror in /etc/apt (sources.list or sources.list.d/*.sources): set SPLITBRAIN_DEBIAN_MIRROR",
    );
  return { ok: problems.length === 0, problems };
}

/** Runs a command, feeding each output line to `onLine`; resolves with its exit code and the last lines. */
function run(cmd: string, args: string[], onLine: (line: string) => void): Promise<{ code: number; tail: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const take = (chunk: Buffer): void => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, tail }));
  });
}

/**
 * apt-get inside the fresh root filesystem, with the extra suites (e.g. bookworm-backports) listed only for this
 * step: the list is removed afterwards, so the image does not keep pointing at them.
 */
async function installFromExtraSuites(
  rootfs: string,
  mirror: string,
  suites: readonly string[],
  packages: string[],
  progress: Progress,
): Promise<void> {
  progress.phase(`installing ${packages.join(", ")} from ${suites.join(", ")}`);
  const list = join(rootfs, "etc/apt/sources.list.d/splitbrain-extra.list");
  writeFileSync(list, suites.map((s) => `deb ${mirror} ${s} main\n`).join(""));
  try {
    const script = [
      "set -e",
      "export DEBIAN_FRONTEND=noninteractive",
      "apt-get update -q",
      `apt-get install -y -q --no-install-recommends -t ${suites[0]} ${packages.join(" ")}`,
      "apt-get clean",
    ].join("\n");
    const r = await run("chroot", [rootfs, "/bin/sh", "-c", script], (l) => progress.detail(l));
    if (r.code !== 0) {
      throw new UsageError(
        `installing ${packages.join(", ")} from ${suites.join(", ")} failed (exit ${r.code}):\n  ${r.tail.slice(-6).join("\n  ")}`,
        "check that the Debian mirror carries these suites, or pick another --suite",
      );
    }
  } finally {
    rmSync(list, { force: true });
    rmSync(join(rootfs, "var/lib/apt/lists"), { recursive: true, force: true });
    mkdirSync(join(rootfs, "var/lib/apt/lists/partial"), { recursive: true });
  }
}

interface CachedRootfs {
  tarPath: string;
  version: string;
}

/**
 * debootstrap a minimal Debian with the definition's packages, add the node files (and the binary), run the
 * setup script in it, read the server's version from the binary itself, and keep the result as a tarball.
 */
async function buildRootfs(
  image: NodeImage,
  def: OfflineDefinition,
  hash: string,
  binary: string | undefined,
  progress: Progress,
): Promise<CachedRootfs> {
  const dir = join(cacheDir(), "rootfs");
  const tarPath = join(dir, `${def.db}-${def.suite}-${hash}.tar`);
  const metaPath = `${tarPath}.json`;
  if (existsSync(tarPath) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as { version: string };
    progress.phase(`reusing cached root filesystem ${tarPath}`);
    return { tarPath, version: meta.version };
  }
  try {
    makeDirs(dir);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(
      `cannot create the image cache ${dir}: ${e.code ?? e.message}`,
      "set SPLITBRAIN_CACHE to a directory this user can write to",
    );
  }
  const scratch = mkdtempSync(join(dir, "work-"));
  const untrack = onTeardown(`scratch ${scratch}`, async () => rmSync(scratch, { recursive: true, force: true }));
  try {
    const rootfs = join(scratch, "rootfs");
    const mirror = debianMirror()!;
    // Packages from another suite (backports) are installed by apt afterwards: debootstrap's own --extra-suites
    // breaks the base system here (1.0.128: "dpkg --install needs at least one package archive").
    const fromExtra = def.extraSuites?.length ? image.packages.filter((p) => def.packages.includes(p)) : [];
    let base = def.packages.filter((p) => !fromExtra.includes(p));
    const debootstrap = () => {
      progress.phase(`debootstrap ${def.suite} (minbase + ${base.join(", ")}) from ${mirror}; about a minute`);
      return run(
        "debootstrap",
        ["--variant=minbase", `--include=${base.join(",")}`, def.suite, rootfs, mirror],
        (line) => progress.detail(line.replace(/^I: /, "")),
      );
    };
    let boot = await debootstrap();
    const missing = boot.code === 0 ? [] : missingDebs(boot.tail);
    if (missing.length > 0 && missing.every((p) => OPTIONAL_NODE_PACKAGES.includes(p))) {
      progress.phase(
        `${def.suite} does not carry ${missing.join(", ")}: building without it, so this image cannot take the power-loss fault`,
      );
      rmSync(rootfs, { recursive: true, force: true });
      base = base.filter((p) => !missing.includes(p));
      boot = await debootstrap();
    }
    if (boot.code !== 0) {
      throw new UsageError(
        `debootstrap of ${def.suite} failed (exit ${boot.code}):\n  ${boot.tail.slice(-6).join("\n  ")}`,
        "check that the Debian mirror in /etc/apt is reachable and carries this suite (or set SPLITBRAIN_DEBIAN_MIRROR)",
      );
    }

    if (fromExtra.length) await installFromExtraSuites(rootfs, mirror, def.extraSuites!, fromExtra, progress);

    progress.phase("adding node files and running docker/node/setup.sh in the root filesystem");
    for (const f of nodeFiles()) {
      const target = join(rootfs, NODE_FILES_IN_IMAGE, f.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content, { mode: f.mode });
    }
    if (binary) {
      const target = join(rootfs, image.serverBinary);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(binary, target);
      chmodSync(target, 0o755);
    }
    const setup = await run("chroot", [rootfs, "/bin/sh", `${NODE_FILES_IN_IMAGE}/setup.sh`], (l) =>
      progress.detail(l),
    );
    if (setup.code !== 0) throw new Error(`setup.sh failed in the root filesystem:\n  ${setup.tail.join("\n  ")}`);

    const probe = await run("chroot", [rootfs, image.serverBinary, "--version"], () => undefined);
    const version = probe.code === 0 ? parseServerVersion(probe.tail.join("\n")) : undefined;
    if (!version)
      throw new Error(
        `could not read the server version: ${image.serverBinary} --version said: ${probe.tail.join(" ")}`,
      );
    progress.phase(`${def.db} ${version} installed; packing the root filesystem`);

    const tar = await run("tar", ["--numeric-owner", "-C", rootfs, "-cf", `${tarPath}.partial`, "."], (l) =>
      progress.detail(l),
    );
    if (tar.code !== 0) throw new Error(`tar of the root filesystem failed: ${tar.tail.join(" ")}`);
    renameSync(`${tarPath}.partial`, tarPath);
    writeFileSync(metaPath, JSON.stringify({ version, definition: def }, null, 2));
    return { tarPath, version };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    untrack();
  }
}

async function importRootfs(
  tarPath: string,
  ref: string,
  labelValues: Record<string, string>,
  path: string,
): Promise<void> {
  const [repo, tag] = ref.split(":") as [string, string];
  const label = Object.entries(labelValues)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(" ");
  const stream = await docker().importImage(tarPath, {
    repo,
    tag,
    changes: [
      `ENTRYPOINT ${JSON.stringify(NODE_ENTRYPOINT)}`,
      `CMD ${JSON.stringify(NODE_CMD)}`,
      `ENV PATH=${path}`,
      "WORKDIR /data",
      `LABEL ${label}`,
    ],
  });
  await new Promise<void>((resolve, reject) => {
    docker().modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = err ?? (out.find((o) => o.error) ? new Error(out.find((o) => o.error)!.error) : null);
      if (failed) reject(failed);
      else resolve();
    });
  });
}

/** A rebuild moves the tag; the image it left behind is removed unless a container still uses it. */
async function dropReplaced(ref: string, previousId: string | undefined): Promise<void> {
  if (!previousId) return;
  const current = await docker().getImage(ref).inspect();
  if (current.Id === previousId) return;
  await docker()
    .getImage(previousId)
    .remove()
    .catch(() => undefined);
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** `splitbrain image build --offline`: a node image from Debian packages (plus a binary for Dragonfly). */
export async function buildOfflineImage(opts: OfflineBuildOptions): Promise<BuiltImage> {
  const progress = new Progress(opts.quiet);
  const image = opts.image;
  const db = image.engine;
  if (image.offlineBinary && !opts.binary) {
    throw new UsageError(
      `${image.label} is not packaged by Debian: an offline ${image.label} image needs its server binary`,
      `pass --binary <path to ${image.offlineBinary.file}> (from ${image.label}'s release archives)`,
    );
  }
  // The command line names the engines --binary is for before it gets here (it knows them all).
  if (opts.binary && !image.offlineBinary)
    throw new UsageError(`--binary: ${db} comes from Debian packages`, "drop --binary");
  if (opts.binary && (!existsSync(opts.binary) || !statSync(opts.binary).isFile())) {
    throw new UsageError(
      `--binary ${opts.binary}: no such file`,
      `give the path to the ${image.offlineBinary!.file} server binary`,
    );
  }
  const suite = chooseSuite(image, {
    ...(opts.suite ? { suite: opts.suite } : {}),
    ...(opts.version ? { version: opts.version } : {}),
  });
  if (typeof suite !== "string")
    throw new UsageError(suite.error, "pick a version or --suite that Debian offers, or build online");
  await requireDocker();
  const pre = offlinePrerequisites();
  if (!pre.ok) throw new UsageError(`cannot build offline: ${pre.problems.join("; ")}`);

  const def = offlineDefinition(image, suite, opts.binary ? sha256File(opts.binary) : undefined);
  const hash = definitionHash(
    def,
    nodeFiles().map((f) => ({ path: f.path, content: f.content })),
  );
  const existing = (await listNodeImages()).find((i: NodeImageInfo) => i.definitionHash === hash && i.engine === db);
  if (existing && !opts.force) {
    progress.phase(`${existing.ref} is up to date (definition ${hash})`);
    return { ref: existing.ref, version: existing.version, reused: true };
  }

  progress.phase(`building the ${db} node image offline from Debian ${suite} (definition ${hash})`);
  const rootfs = await buildRootfs(image, def, hash, opts.binary, progress);
  if (opts.version && !versionMatches(opts.version, rootfs.version)) {
    throw new UsageError(
      `Debian ${suite} carries ${db} ${rootfs.version}, not ${opts.version}`,
      "pick another --suite, or build online from the official image",
    );
  }
  const ref = imageTag(db, rootfs.version, def);
  const labelValues = {
    [IMAGE_LABELS.engine]: db,
    [IMAGE_LABELS.version]: rootfs.version,
    [IMAGE_LABELS.route]: "offline",
    [IMAGE_LABELS.suite]: suite,
    [IMAGE_LABELS.definitionHash]: hash,
  };
  progress.phase(`importing into Docker as ${ref}`);
  const previous = await docker()
    .getImage(ref)
    .inspect()
    .then((i) => i.Id)
    .catch(() => undefined);
  await importRootfs(rootfs.tarPath, ref, labelValues, DEFAULT_PATH);
  await dropReplaced(ref, previous);

  progress.phase("checking the image: iptables inside a node, server version");
  let probe = await probeNodeImage(ref, image);
  let backend = probe.iptables.backend;
  if (!probe.iptables.ok) {
    if (!probe.legacy?.ok) {
      throw new Error(
        `iptables does not work inside a node (default: ${probe.iptables.error}; legacy: ${probe.legacy?.error ?? "not tried"}); ` +
          "partitions cannot run on this kernel",
      );
    }
    progress.phase("iptables-nft fails in containers here; re-importing with the legacy backend first on PATH");
    await importRootfs(rootfs.tarPath, ref, labelValues, LEGACY_PATH);
    probe = await probeNodeImage(ref, image);
    if (!probe.iptables.ok) throw new Error(`iptables (legacy) does not work inside a node: ${probe.iptables.error}`);
    backend = probe.iptables.backend;
  }
  if (probe.version !== rootfs.version) {
    throw new Error(`the image's ${image.serverBinary} reports "${probe.versionOutput}", expected ${rootfs.version}`);
  }
  progress.done(`built ${ref} (${db} ${rootfs.version}, iptables ${backend ?? "ok"})`);
  return { ref, version: rootfs.version, reused: false, ...(backend ? { iptablesBackend: backend } : {}) };
}
