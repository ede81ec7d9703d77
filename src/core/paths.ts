import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package root (where package.json and docker/ live), found by walking up from this file so the same code
 * works from src/ under tsx/vitest and from dist/src/ when installed.
 */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("splitbrain: cannot find its package.json");
    dir = up;
  }
})();

/** splitbrain's own version, from its package.json (shard manifests record it: shards of one plan share it). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}
