import { execFile, execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Redis, type RedisOptions } from "ioredis";
import { expect } from "vitest";
import { dockerAvailable } from "../../../src/docker/engine.js";
import { findNodeImage } from "../../../src/image/images.js";

/**
 * Deployments made without splitbrain, for the tests that run splitbrain against them: plain `docker run` of a node
 * image used as a plain image (no splitbrain labels, never pulled), on a network the test creates and removes, and
 * `splitbrain` spawned against them as a user would.
 */

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** A tag that exists here, or undefined; never pulled. */
export function localImage(tag: string): string | undefined {
  try {
    execFileSync("docker", ["image", "inspect", tag], { stdio: "ignore" });
    return tag;
  } catch {
    return undefined;
  }
}

/** The Redis image these tests use: the one asked for, else the pinned local tag, else any node image found. */
export async function redisImage(): Promise<string | undefined> {
  return (
    process.env.SPLITBRAIN_TEST_IMAGE ??
    localImage("splitbrain-node:redis-7.0.15-bookworm") ??
    (await findNodeImage("redis").catch(() => undefined))?.ref
  );
}

/**
 * The Redis image, and whether these tests can run (Docker answers and an image exists); under
 * SPLITBRAIN_REQUIRE_DOCKER=1 a missing one is a loud failure rather than a skip.
 */
export async function redisOutside(): Promise<{ image: string | undefined; runnable: boolean }> {
  const image = await redisImage();
  const docker = await dockerAvailable();
  if (process.env.SPLITBRAIN_REQUIRE_DOCKER === "1" && (!docker.ok || !image))
    throw new Error(
      `SPLITBRAIN_REQUIRE_DOCKER=1 but ${!docker.ok ? `Docker is unreachable (${docker.error})` : "no Redis node image"}`,
    );
  return { image, runnable: docker.ok && image !== undefined };
}

/** `redis-server` on 6379 without persistence, reachable from the runner (no password), plus `extra`. */
export function plainRedis(image: string, extra: string[] = []): string[] {
  return [image, "redis-server", "--port", "6379", "--save", "", "--protected-mode", "no", ...extra];
}

export function ipOf(container: string): string {
  return sh("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container]);
}

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function withClient<T>(opts: RedisOptions, use: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...opts });
  r.on("error", () => undefined);
  try {
    await r.connect();
    return await use(r);
  } finally {
    r.disconnect();
  }
}

/** The key a test plants before a run: the user's data, which the run must leave alone. */
export const PLANTED = "planted:user-data";

export function plant(conn: RedisOptions): Promise<unknown> {
  return withClient(conn, (r) => r.set(PLANTED, "keep me"));
}

/** The planted key is still there and nothing under the run's prefix is left, on the server given. */
export async function untouched(conn: RedisOptions, prefix: string): Promise<void> {
  await withClient(conn, async (r) => {
    expect(await r.get(PLANTED)).toBe("keep me");
    const [, left] = await r.scan("0", "MATCH", `${prefix}*`, "COUNT", "100000");
    expect(left).toEqual([]);
  });
}

/** A network and the containers started on it, all removed by `remove()` (also after a failed test). */
export class Outside {
  readonly network: string;
  private readonly created: string[] = [];

  constructor(readonly prefix: string) {
    this.network = `${prefix}-net`;
  }

  createNetwork(): void {
    sh("docker", ["network", "create", this.network]);
  }

  /** `docker run -d` of `args` (image and command) as `<prefix>-<name>`; returns the container's name. */
  run(name: string, args: string[]): string {
    const full = `${this.prefix}-${name}`;
    this.created.push(full);
    sh("docker", ["run", "-d", "--pull", "never", "--name", full, "--network", this.network, ...args]);
    return full;
  }

  remove(): void {
    for (const c of this.created) {
      try {
        sh("docker", ["rm", "-f", "-v", c]);
      } catch {
        // Already gone.
      }
    }
    try {
      sh("docker", ["network", "rm", this.network]);
    } catch {
      // Never made.
    }
  }
}

export interface Splitbrain {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = join(import.meta.dirname, "../../../bin/splitbrain.js");

/** bin/splitbrain.js with these arguments (the command first), bounded, never throwing: its code and output. */
export function splitbrain(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Splitbrain> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env, NO_COLOR: "1" }, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface Summary {
  valid: boolean | "unknown";
  runDir: string;
}

/** The `--json` summary of a run that ended with a verdict (exit 0, 1 or 2); anything else throws with its output. */
export function verdict(res: Splitbrain): Summary {
  if (![0, 1, 2].includes(res.code)) throw new Error(`exit ${res.code}\n${res.stderr}\n${res.stdout}`);
  // With --json, stdout is the summary alone (the people's lines go to stderr).
  return JSON.parse(res.stdout) as Summary;
}

/** Throws naming the first file under `dir` that holds one of `secrets`. */
export function noSecretsIn(dir: string, secrets: string[]): void {
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, entry);
    if (!statSync(p).isFile()) continue;
    const text = readFileSync(p, "latin1");
    for (const s of secrets) if (text.includes(s)) throw new Error(`${p} holds a password`);
  }
}
