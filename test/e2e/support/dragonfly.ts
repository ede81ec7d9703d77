import { describe, it } from "vitest";
import { dockerAvailable, dockerEndpoint } from "../../../src/docker/engine.js";
import { findNodeImage } from "../../../src/image/images.js";
import { dockerRequired, type E2eEnvironment } from "./environment.js";

/**
 * Dragonfly's end-to-end tests need a Dragonfly node image, which only exists where someone had a Dragonfly binary
 * to build it from. So its absence skips them, even under SPLITBRAIN_REQUIRE_DOCKER=1; SPLITBRAIN_REQUIRE_DRAGONFLY=1
 * (set by .ci/run when it built the image) makes it a failure instead. SPLITBRAIN_TEST_IMAGE is not consulted: in CI
 * it names the Redis image.
 */
export const dragonflyRequired = process.env.SPLITBRAIN_REQUIRE_DRAGONFLY === "1";

export async function dragonflyEnvironment(): Promise<E2eEnvironment & { required: boolean }> {
  const required = dragonflyRequired || dockerRequired;
  const status = await dockerAvailable();
  if (!status.ok) {
    return {
      ready: false,
      required,
      reason: `Docker is not reachable at ${dockerEndpoint()} (${status.error}): start Docker, or set DOCKER_HOST`,
    };
  }
  const override = process.env.SPLITBRAIN_TEST_DRAGONFLY_IMAGE;
  if (override) return { ready: true, required, image: override };
  const found = await findNodeImage("dragonfly");
  if (!found) {
    return {
      ready: false,
      required: dragonflyRequired,
      reason:
        "no Dragonfly node image: build one with `npx splitbrain image build --db dragonfly --offline --binary <path to dragonfly>` " +
        "(or set SPLITBRAIN_TEST_DRAGONFLY_IMAGE)",
    };
  }
  return { ready: true, required, image: found.ref };
}

/** `describe` that runs when Dragonfly is at hand, fails loudly when it is required and is not, else skips. */
export function describeDragonfly(name: string, env: E2eEnvironment & { required: boolean }, body: () => void): void {
  if (env.ready) describe(name, body);
  else if (env.required) {
    describe(name, () => {
      it("has a Dragonfly node image (SPLITBRAIN_REQUIRE_DRAGONFLY=1)", () => {
        throw new Error(`Dragonfly end-to-end prerequisites missing: ${env.reason}`);
      });
    });
  } else describe.skip(`${name} [skipped: ${env.reason}]`, body);
}
