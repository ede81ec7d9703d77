import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { Redis, type RedisOptions } from "ioredis";
import { findNodeImage } from "../../../src/image/images.js";

/**
 * For tests of deployments splitbrain did not start: plain `docker run` containers (no splitbrain labels) on a
 * network the test makes, reached directly, and `splitbrain run` spawned against them. Everything made is listed so
 * the test removes it, also on failure.
 */

/** A tag that exists here, never pulled. */
export function localImage(tag: string): string | undefined {
  try {
    execFileSync("docker", ["image", "inspect", tag], { stdio: "ignore" });
    return tag;
  } catch {
    return undefined;
  }
}

export async function redisImage(): Promise<string | undefined> {
  return (
    process.env.SPLITBRAIN_TEST_IMAGE ??
    localImage("splitbrain-node:redis-7.0.15-bookworm") ??
    (await findNodeImage("redis").catch(() => undefined))?.ref
  );
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** Containers and a network under one name, removed by `removeAll`. */
export class PlainDeployment {
  readonly network: string;
  private readonly created: string[] = [];

  constructor(readonly name: string) {
    this.network = `${name}-net`;
  }

  createNetwork(): void {
    sh("docker", ["network", "create", this.network]);
  }

  run(name: string, args: string[]): string {
    const full = `${this.name}-${name}`;
    this.created.push(full);
    sh("docker", ["run", "-d", "--pull", "never", "--name", full, "--network", this.network, ...args]);
    return full;
  }

  removeAll(): void {
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

export interface Splitbrain {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = join(import.meta.dirname, "../../../bin/splitbrain.js");

/** `splitbrain <args>` as a user would run it, bounded in time. */
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
