import { describe, it } from "vitest";
import type { DbName } from "../../../src/core/cluster.js";
import { dockerAvailable, dockerEndpoint } from "../../../src/docker/engine.js";
import { findNodeImage } from "../../../src/image/images.js";

/**
 * Decides whether end-to-end tests can run here. Without Docker (or without the node image) they are skipped,
 * except under SPLITBRAIN_REQUIRE_DOCKER=1 (CI), where a missing prerequisite is a loud failure: a CI job that
 * silently skipped every real-container test would pass while testing nothing.
 */
export const dockerRequired = process.env.SPLITBRAIN_REQUIRE_DOCKER === "1";

export interface E2eEnvironment {
  ready: boolean;
  /** Why not ready, with what to do. */
  reason?: string;
  /** The node image to use: SPLITBRAIN_TEST_IMAGE, else the newest local node image for the engine. */
  image?: string;
}

/**
 * The variable naming a test image for an engine and version: SPLITBRAIN_TEST_IMAGE is the Redis image (the first
 * one CI builds); others are SPLITBRAIN_TEST_IMAGE_<ENGINE>[<MAJOR>], e.g. _VALKEY, _REDIS8.
 */
export function testImageVariable(db: DbName, version?: string): string {
  if (db === "redis" && version === undefined) return "SPLITBRAIN_TEST_IMAGE";
  return `SPLITBRAIN_TEST_IMAGE_${db.toUpperCase()}${version ? version.split(".")[0] : ""}`;
}

export async function e2eEnvironment(opts: { db?: DbName; version?: string } = {}): Promise<E2eEnvironment> {
  const status = await dockerAvailable();
  if (!status.ok) {
    return {
      ready: false,
      reason: `Docker is not reachable at ${dockerEndpoint()} (${status.error}): start Docker, or set DOCKER_HOST`,
    };
  }
  if (!opts.db) return { ready: true };
  const variable = testImageVariable(opts.db, opts.version);
  const override = process.env[variable];
  if (override) return { ready: true, image: override };
  const found = await findNodeImage(opts.db, opts.version);
  if (!found) {
    const versionFlag = opts.version ? ` --version ${opts.version}` : "";
    return {
      ready: false,
      reason: `no ${opts.db}${opts.version ? ` ${opts.version}` : ""} node image: build one with \`npx splitbrain image build --db ${opts.db}${versionFlag} --offline\` (or set ${variable})`,
    };
  }
  return { ready: true, image: found.ref };
}

/**
 * `describe` for end-to-end suites: runs `body` when the environment is ready; otherwise skips it, or (when Docker
 * is required) replaces it with one failing test that says what is missing.
 */
export function describeE2e(name: string, env: E2eEnvironment, body: () => void): void {
  if (env.ready) {
    describe(name, body);
  } else if (dockerRequired) {
    describe(name, () => {
      it("has what end-to-end tests need (SPLITBRAIN_REQUIRE_DOCKER=1)", () => {
        throw new Error(`end-to-end prerequisites missing: ${env.reason}`);
      });
    });
  } else {
    describe.skip(`${name} [skipped: ${env.reason}]`, body);
  }
}
