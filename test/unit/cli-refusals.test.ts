import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { dockerAvailable } from "../../src/docker/engine.js";

/**
 * The compiled CLI as a user runs it (`npm run build` first), pointed at an engine that does not exist: a flag that
 * can be judged without Docker must be refused naming the flag, before any run directory, and never as a Docker error.
 */
const BIN = join(packageRoot, "bin", "splitbrain.js");
const NO_DOCKER = "unix:///nonexistent.sock";

interface Ran {
  code: number | null;
  stderr: string;
  ms: number;
}

/** Runs against the engine that is not there, unless `realDocker`. */
function splitbrain(args: string[], timeoutMs = 20_000, realDocker = false): Promise<Ran> {
  const t0 = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  if (!realDocker) env.DOCKER_HOST = NO_DOCKER;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args, "--no-color"],
      { env, timeout: timeoutMs, killSignal: "SIGKILL" },
      (err, _stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
        resolve({ code, stderr, ms: Date.now() - t0 });
      },
    );
  });
}

let root: string;
let results: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "splitbrain-refusals-"));
  results = join(root, "results");
  mkdirSync(join(results, "previous-run"), { recursive: true });
  symlinkSync("previous-run", join(results, "latest"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Nothing was created and `latest` still points where it did. */
function untouched(): void {
  expect(readdirSync(results).sort()).toEqual(["latest", "previous-run"]);
  expect(readlinkSync(join(results, "latest"))).toBe("previous-run");
}

describe.skipIf(!existsSync(join(packageRoot, "dist", "src", "cli", "main.js")))(
  "flags refused before anything starts (no Docker)",
  () => {
    const cases: Array<[string, string[], RegExp]> = [
      ["--wait above the replicas", ["run", "--wait", "5"], /--wait 5 .*2 replica/],
      ["--target naming no node", ["run", "--target", "n99"], /--target n99: no node named n99/],
      ["--partition naming no node", ["run", "--partition", "n1:n99"], /--partition n1 drops n99: no node named n99/],
      [
        "partition on a single node",
        ["run", "--topology", "single", "--nemesis", "partition"],
        /--nemesis partition .*--topology single/,
      ],
      [
        "failover on a single node",
        ["run", "--topology", "single", "--nemesis", "failover"],
        /--nemesis failover needs a replica/,
      ],
      [
        "--time-limit beyond a timer",
        ["run", "--time-limit", "2592000"],
        /--time-limit 2592000 is longer than Node's timers can wait \(at most 2147483 s/,
      ],
      [
        "--junit in a missing directory",
        ["run", "--junit", "/nonexistent/x.xml"],
        /--junit \/nonexistent\/x\.xml: directory \/nonexistent does not exist/,
      ],
      [
        "compare with --target naming no node",
        ["compare", "--db", "redis,valkey", "--target", "n99"],
        /--target n99: no node named n99/,
      ],
      [
        "audit with --waitaof above the replicas",
        ["audit", "--matrix", "appendfsync=always,everysec", "--appendonly", "yes", "--waitaof", "1", "5"],
        /--waitaof 1 5 asks for more replica fsyncs/,
      ],
      [
        "scenario run with --target naming no node",
        ["scenario", "run", "aof-always-process-crash", "--target", "n99"],
        /--target n99: no node named n99/,
      ],
    ];
    for (const [what, args, message] of cases) {
      it(`${what}: exit 3, names the flag, nothing created`, async () => {
        const r = await splitbrain([...args, "--results", results]);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/Docker is not reachable|nonexistent\.sock|connect ENOENT/);
        expect(r.code).toBe(3);
        untouched();
      });
    }

    it("Docker unreachable with valid flags: one line naming the socket and what to do, exit 3, latest untouched", async () => {
      const r = await splitbrain(["run", "--results", results]);
      expect(r.code).toBe(3);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
      expect(errors).toEqual([
        `error: Docker is not reachable at ${NO_DOCKER} (from DOCKER_HOST): connect ENOENT /nonexistent.sock`,
      ]);
      expect(r.stderr).toMatch(/hint: start the engine .*DOCKER_HOST.*splitbrain doctor/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      untouched();
    });

    it("suite and compare say Docker is unreachable before creating their directory", async () => {
      for (const args of [
        ["suite", "--only", "aof-always-process-crash"],
        ["compare", "--db", "redis,valkey"],
      ]) {
        const r = await splitbrain([...args, "--results", results]);
        expect(r.code).toBe(3);
        expect(r.stderr).toContain(`Docker is not reachable at ${NO_DOCKER}`);
        untouched();
      }
    });

    it.skipIf(!existsSync("/proc/self"))(
      "--results /proc/x ends promptly with a message naming --results",
      async () => {
        for (const cmd of [["run"], ["suite"]]) {
          const r = await splitbrain([...cmd, "--results", "/proc/x"], 15_000);
          expect(r.code).toBe(3);
          expect(r.stderr).toMatch(/--results \/proc\/x: cannot create anything in \/proc/);
          expect(r.ms).toBeLessThan(15_000);
        }
      },
    );
  },
);

const docker = await dockerAvailable();

describe.skipIf(!docker.ok || !existsSync(join(packageRoot, "dist", "src", "cli", "main.js")))(
  "a start that fails (real Docker)",
  () => {
    it("keeps its directory with test.json saying why, and leaves latest on the previous run", async () => {
      const r = await splitbrain(
        [
          "run",
          "--image",
          "splitbrain-missing:none",
          "--topology",
          "single",
          "--time-limit",
          "1",
          "--results",
          results,
        ],
        90_000,
        true,
      );
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/error: node image splitbrain-missing:none is not in the local Docker engine/);
      expect(readlinkSync(join(results, "latest"))).toBe("previous-run");
      const runs = readdirSync(results).filter((n) => n !== "latest" && n !== "previous-run");
      expect(runs).toHaveLength(1);
      const test = JSON.parse(readFileSync(join(results, runs[0]!, "test.json"), "utf8")) as { startFailed?: string };
      expect(test.startFailed).toMatch(/splitbrain-missing:none is not in the local Docker engine/);
    }, 120_000);
  },
);
