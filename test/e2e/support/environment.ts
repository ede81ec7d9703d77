import { describe, it } from "vitest";
import type { DbName } from "../../../src/cluster/types.js";
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

export async function e2eEnvironment(opts: { db?: DbName } = {}): Promise<E2eEnvironment> {
  const status = await dockerAvailable();
  if (!status.ok) {
    return { ready: false, reason: `Docker is not reachable at ${dockerEndpoint()} (${status.error}): start Docker, or set DOCKER_HOST` };
  }
  if (!opts.db) return { ready: true };
  const override = process.env.SPLITBRAIN_TEST_IMAGE;
  if (override) return { ready: true, image: override };
  const found = await findNodeImage(opts.db);
  if (!found) {
    return {
      ready: false,
      reason: `no ${opts.db} node image: build one with \`npx splitbrain image build --db ${opts.db} --offline\` (or set SPLITBRAIN_TEST_IMAGE)`,
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
