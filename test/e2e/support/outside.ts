import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { Redis, type RedisOptions } from "ioredis";

/**
 * Deployments made without splitbrain, for the tests that run splitbrain against them: plain `docker run` of a node
 * image used as a plain image (no splitbrain labels, never pulled), on a network the test creates and removes.
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
