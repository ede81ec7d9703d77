import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DbName } from "../../src/core/cluster.js";
import { packageRoot } from "../../src/core/paths.js";
import { engineOf } from "../../src/db/engines.js";
import { leftovers } from "../../src/docker/cleanup.js";
import { docker } from "../../src/docker/engine.js";
import { IMAGE_LABELS } from "../../src/docker/labels.js";
import { parseServerVersion } from "../../src/image/definition.js";
import { listNodeImages } from "../../src/image/images.js";
import { inRegistry } from "../../src/image/online.js";
import { describeE2e, type E2eEnvironment, e2eEnvironment } from "./support/environment.js";
import { readRunHistory } from "./support/history.js";

/**
 * The online route of `image build` (docker/Dockerfile.node FROM the engine's official image) run for real against a
 * registry on this machine: Debian's docker-registry as a plain process on a free loopback port, holding stand-ins
 * for the official Redis and Dragonfly images (test/fixtures/official-like/: Debian's redis, and the shared Dragonfly
 * binary, laid out like the official images) under the official names. `image build --registry` must pull each,
 * build, probe, and give an image a real run starts and writes to. What it cannot show: that the real official
 * images are laid out like the stand-ins.
 */
const BIN = join(packageRoot, "bin", "splitbrain.js");
const REGISTRY_BIN = "/usr/bin/docker-registry";

/** An engine's node image built offline (from Debian packages, and the shared binary for Dragonfly). */
async function offlineImage(db: DbName): Promise<string | undefined> {
  return (await listNodeImages())
    .filter((i) => i.engine === db && i.route === "offline")
    .sort((a, b) => b.created - a.created)[0]?.ref;
}

/** Redis is required; Dragonfly runs where its offline image exists (CI builds it only with the binary at hand). */
async function environment(): Promise<E2eEnvironment> {
  const env = await e2eEnvironment();
  if (!env.ready) return env;
  // The registry listens on this machine's loopback, which only an engine on this machine pulls from.
  const host = /^(?:tcp|http|https|ssh):\/\/([^:/]+)/.exec(process.env.DOCKER_HOST ?? "")?.[1];
  if (host && !["localhost", "127.0.0.1", "::1"].includes(host)) {
    return { ready: false, reason: `the Docker engine at ${host} cannot pull from this machine's loopback registry` };
  }
  if (!existsSync(REGISTRY_BIN)) {
    return { ready: false, reason: "Debian's docker-registry is not installed: apt-get install docker-registry" };
  }
  const image = await offlineImage("redis");
  if (!image) {
    return { ready: false, reason: "no offline Redis node image: npx splitbrain image build --db redis --offline" };
  }
  return { ready: true, image };
}
const env = await environment();
const dragonflyImage = env.ready ? await offlineImage("dragonfly") : undefined;

/** Made in beforeAll, so a skipped file leaves nothing behind (Vitest runs no hooks for a file with no tests). */
let work = "";
let registry: ChildProcess | undefined;
let registryHost = "";
/** Local tags this test made (the pushed name, the built node images); removed in afterAll whatever happened. */
const madeImages = new Set<string>();

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: work, timeout: timeoutMs, maxBuffer: 64 * 2 ** 20, env: { ...process.env, NO_COLOR: "1" } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, out: `${stdout}\n${stderr}`, stdout });
      },
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRegistry(): Promise<void> {
  const port = await freePort();
  registryHost = `127.0.0.1:${port}`;
  const config = join(work, "registry.yml");
  // No auth and storage in the temp dir: unlike the package's /etc/docker/registry/config.yml and its service.
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(work, "storage")}`,
      "http:",
      `  addr: ${registryHost}`,
      "",
    ].join("\n"),
  );
  registry = spawn(REGISTRY_BIN, ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  registry.stderr?.on("data", (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (registry.exitCode !== null) throw new Error(`docker-registry exited (${registry.exitCode}): ${log}`);
    const ok = await fetch(`http://${registryHost}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`docker-registry did not answer on ${registryHost} within 20 s: ${log}`);
}

beforeAll(async () => {
  if (!env.ready) return;
  work = mkdtempSync(join(tmpdir(), "splitbrain-e2e-registry-"));
  await startRegistry();
}, 30_000);

afterAll(async () => {
  for (const ref of madeImages)
    await docker()
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
  if (registry && registry.exitCode === null) {
    const exited = new Promise((r) => registry!.once("exit", r));
    registry.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (registry.exitCode === null) registry.kill("SIGKILL");
  }
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

/**
 * Makes the stand-in from the engine's offline node image (no package download), pushes it under the official name
 * in the local registry, removes it locally, then builds, probes and runs a node image from it with `--registry`.
 */
async function registryRoute(db: DbName, nodeImage: string): Promise<void> {
  const image = engineOf(db).image;
  const server = image.serverBinary;
  const version = parseServerVersion(
    (await run("docker", ["run", "--rm", "--entrypoint", server, nodeImage, "--version"], 60_000)).out,
  );
  expect(version, `the node image reports its ${db} version`).toBeDefined();
  // The official name with the local registry for its host: what `--registry` will ask for.
  const pushed = inRegistry(image.officialImage(version!), registryHost);
  madeImages.add(pushed);
  const dockerfile = join(packageRoot, "test", "fixtures", "official-like", `${db}.Dockerfile`);
  const base = await run(
    "docker",
    ["build", "-q", "-f", dockerfile, "--build-arg", `NODE_IMAGE=${nodeImage}`, "-t", pushed, work],
    120_000,
  );
  expect(base.code, base.out).toBe(0);
  const push = await run("docker", ["push", pushed], 120_000);
  expect(push.code, push.out).toBe(0);
  // Gone locally, so the build has to pull it from the registry.
  await docker().getImage(pushed).remove({ force: true });
  expect((await run("docker", ["image", "inspect", pushed], 30_000)).code).not.toBe(0);

  const before = new Set((await listNodeImages()).map((i) => i.ref));
  const built = await run(
    process.execPath,
    [BIN, "image", "build", "--db", db, "--version", version!, "--registry", registryHost, "--json"],
    240_000,
  );
  // Whatever the build left (also when it failed half-way) is this test's to remove: the registry's random port is
  // in the definition, so no earlier image has the same tag.
  for (const i of await listNodeImages()) if (!before.has(i.ref) && i.ref.includes("-custom-")) madeImages.add(i.ref);
  expect(built.code, built.out).toBe(0);
  const result = JSON.parse(built.stdout) as {
    ref: string;
    version: string;
    iptablesBackend?: string;
  };
  madeImages.add(result.ref);
  // The provisional tag of the first of the two builds carries the requested version; here they are the same.
  expect(result.version).toBe(version);
  // A custom base gets its own tag: a real official build of the same version is never replaced by this one.
  expect(result.ref).toMatch(new RegExp(`^splitbrain-node:${db}-${version!.replace(/\./g, "\\.")}-custom-`));
  // The probe passed (iptables works in the node; it is not in the base image, so Dockerfile.node installed it).
  expect(result.iptablesBackend).toMatch(/nf_tables|legacy/);
  // The build pulled the base from the registry: it is local again, by the registry's name.
  expect((await run("docker", ["image", "inspect", pushed], 30_000)).code, "pulled").toBe(0);
  const info = await docker().getImage(result.ref).inspect();
  expect(info.Config.Labels?.[IMAGE_LABELS.route]).toBe("online");
  expect(info.Config.Labels?.[IMAGE_LABELS.version]).toBe(version);
  if (db === "redis") {
    // --base-image naming the same image is the same definition: the same tag, built again from the cache.
    const again = await run(
      process.execPath,
      [BIN, "image", "build", "--db", db, "--version", version!, "--base-image", pushed, "--json"],
      120_000,
    );
    expect(again.code, again.out).toBe(0);
    expect((JSON.parse(again.stdout) as { ref: string }).ref).toBe(result.ref);
  }
  // The server is where the official image puts it, and only there.
  const name = server.split("/").at(-1)!;
  const where = await run(
    "docker",
    ["run", "--rm", "--entrypoint", "sh", result.ref, "-c", `command -v ${name}; ls /usr/bin/${name}`],
    60_000,
  );
  expect(where.out).toContain(`/usr/local/bin/${name}`);
  expect(where.out).toMatch(/No such file/);

  // A real run on the built image: the server starts, answers and keeps what the workload wrote.
  const results = join(work, "results");
  const ran = await run(
    process.execPath,
    [
      BIN,
      "run",
      "--db",
      db,
      "--image",
      result.ref,
      "--topology",
      "single",
      "--workload",
      "register",
      "--time-limit",
      "3",
      "--nemesis",
      "none",
      "--data-size",
      "64m",
      "--results",
      results,
    ],
    180_000,
  );
  expect(ran.code, ran.out).toBe(0);
  const runJson = join(results, "latest", "results.json");
  const runDir = existsSync(runJson) ? join(results, "latest") : undefined;
  expect(runDir, ran.out).toBeDefined();
  const verdict = JSON.parse(readFileSync(runJson, "utf8")) as { valid?: boolean };
  expect(verdict.valid).toBe(true);
  const oks = readRunHistory(runDir!).filter((o) => o.type === "ok");
  expect(oks.length).toBeGreaterThan(20);
  const runId = /\brun (\S+): /.exec(ran.out)?.[1];
  expect(runId, ran.out).toBeDefined();
  expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
}

describeE2e("image build --registry: the online route against a local registry", env, () => {
  it("redis: pulls an official-like image from the registry, builds, probes, and a run on the result works", async () => {
    await registryRoute("redis", env.image!);
  }, 300_000);

  it.skipIf(!dragonflyImage)(
    "dragonfly: the same with the shared binary [needs an offline Dragonfly node image]",
    async () => {
      await registryRoute("dragonfly", dragonflyImage!);
    },
    300_000,
  );
});
