import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { packageRoot } from "../core/paths.js";

/** docker/ in the package: the Dockerfile and the node-side files every image carries. */
export const dockerDir = join(packageRoot, "docker");
export const nodeFilesDir = join(dockerDir, "node");

/** Every file under docker/node/, for hashing and for copying into a root filesystem. */
export function nodeFiles(): Array<{ path: string; content: Buffer; mode: number }> {
  const out: Array<{ path: string; content: Buffer; mode: number }> = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else out.push({ path: relative(nodeFilesDir, full), content: readFileSync(full), mode: st.mode & 0o777 });
    }
  };
  if (existsSync(nodeFilesDir)) walk(nodeFilesDir);
  return out;
}

/** Where root filesystem tarballs are kept between builds: SPLITBRAIN_CACHE, else $XDG_CACHE_HOME/splitbrain. */
export function cacheDir(): string {
  if (process.env.SPLITBRAIN_CACHE) return process.env.SPLITBRAIN_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "splitbrain");
}
