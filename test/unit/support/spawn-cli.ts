import { type StdioOptions, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../../src/core/paths.js";

export interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

const BIN = join(packageRoot, "bin/splitbrain.js");

/**
 * Runs the real executable (bin/splitbrain.js over dist/) as a child, with stdout and stderr as pipes unless
 * `stdout` is a file descriptor: how the process ends and which stream gets what can only be seen from outside.
 * dist/ must be current (`npm run build`), as for every test that spawns the CLI.
 */
export function runCli(args: string[], opts: { stdout?: number; uid?: number; gid?: number } = {}): Promise<CliResult> {
  if (!existsSync(join(packageRoot, "dist/src/cli/main.js"))) {
    throw new Error("dist/ is missing: run `npm run build` before the tests that spawn the CLI");
  }
  const stdio: StdioOptions = ["ignore", opts.stdout ?? "pipe", "pipe"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio,
      // A colour-free, CI-like environment: the assertions read plain text.
      env: { ...process.env, NO_COLOR: "1", CI: "true" },
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}
