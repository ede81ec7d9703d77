import Docker from "dockerode";
import { UsageError } from "../core/exit.js";

/**
 * The one Docker client of the process. dockerode reads DOCKER_HOST (unix://, tcp://), DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH itself, the same variables the docker CLI honours, so users point both at the same engine.
 */
let client: Docker | undefined;

export function docker(): Docker {
  if (!client) {
    try {
      client = new Docker();
    } catch (err) {
      throw new UsageError(
        `DOCKER_HOST is not usable (${(err as Error).message})`,
        "set DOCKER_HOST to unix:///var/run/docker.sock or tcp://host:port, or unset it",
      );
    }
  }
  return client;
}

/** Where we look for the engine, for messages. */
export function dockerEndpoint(): string {
  return process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
}

export interface DockerStatus {
  ok: boolean;
  /** Engine version, e.g. "20.10.24+dfsg1". */
  version?: string;
  apiVersion?: string;
  error?: string;
}

/** A hung TCP endpoint must not hang `doctor`; a local socket answers in milliseconds. */
const PROBE_TIMEOUT_MS = 5_000;

export async function dockerAvailable(timeoutMs = PROBE_TIMEOUT_MS): Promise<DockerStatus> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const probe = docker().version();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const v = await Promise.race([probe, timeout]);
    return { ok: true, version: v.Version, apiVersion: v.ApiVersion };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return {
      ok: false,
      error: e.code && !e.message?.includes(e.code) ? `${e.code} ${e.message}`.trim() : (e.message ?? String(err)),
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Where the engine was looked for and why there, for the one line a failed start prints. */
export function dockerWhere(): string {
  return process.env.DOCKER_HOST
    ? `${process.env.DOCKER_HOST} (from DOCKER_HOST)`
    : `${dockerEndpoint()} (the default socket; DOCKER_HOST is not set)`;
}

/** For commands that cannot do anything without Docker: the client, or a UsageError saying how to get one. */
export async function requireDocker(): Promise<Docker> {
  const status = await dockerAvailable();
  if (!status.ok) {
    throw new UsageError(
      `Docker is not reachable at ${dockerWhere()}: ${status.error}`,
      "start the engine (systemctl start docker, or dockerd as root), or set DOCKER_HOST to one that runs; " +
        "`splitbrain doctor` checks the whole setup",
    );
  }
  return docker();
}
