import { chmodSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { loadScenarios } from "../../src/scenario/loader.js";
import { partitionArgs, partitionedSetHistory, testRecord, writeRunDir } from "./report-fixture.js";
import { runCli } from "./support/spawn-cli.js";

/** Which stream gets what, seen from outside the real executable: answers on stdout, diagnostics on stderr. */

const staleRead = join(packageRoot, "test/fixtures/histories/stale-read.jsonl");
const made: string[] = [];

afterAll(() => {
  for (const dir of made) {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("listings and answers go to stdout", { timeout: 60_000 }, () => {
  it("scenario list: every scenario on stdout, only the hint on stderr; --json: only JSON on stdout", async () => {
    const names = loadScenarios({ dirs: [] }).map((s) => s.name);
    expect(names.length).toBeGreaterThan(0);
    const r = await runCli(["scenario", "list"]);
    const out = r.stdout.toString();
    for (const name of names) expect(out).toContain(name);
    for (const name of names) expect(r.stderr).not.toContain(name);
    expect(r.stderr).toMatch(/scenarios; details: splitbrain scenario show/);
    expect(r.code).toBe(0);

    const j = await runCli(["scenario", "list", "--json"]);
    expect(JSON.parse(j.stdout.toString()).map((s: { name: string }) => s.name)).toEqual(names);
    expect(j.code).toBe(0);
  });

  it("scenario show: the scenario on stdout", async () => {
    const name = loadScenarios({ dirs: [] })[0]!.name;
    const r = await runCli(["scenario", "show", name]);
    expect(r.stdout.toString()).toMatch(new RegExp(`^${name} `));
    expect(r.stdout.toString()).toMatch(/\nquestion: /);
    expect(r.stderr).not.toMatch(/question: /);
    expect(r.code).toBe(0);
  });

  it("check: the verdict on stdout; with --json stdout is the JSON alone and the words move to stderr", async () => {
    const plain = await runCli(["check", staleRead]);
    expect(plain.stdout.toString()).toMatch(/verdict\s+NOT linearizable/);
    expect(plain.stderr).toBe("");
    expect(plain.code).toBe(1);

    const json = await runCli(["check", staleRead, "--json"]);
    expect(JSON.parse(json.stdout.toString())).toMatchObject({ valid: false, model: "register" });
    expect(json.stderr).toMatch(/verdict\s+NOT linearizable/);
    expect(json.code).toBe(1);
  });

  it("report: the report's path on stdout; with --json only the JSON", async () => {
    const { dir } = await writeRunDir(testRecord(partitionArgs), partitionedSetHistory());
    made.push(dir);
    const plain = await runCli(["report", dir]);
    expect(plain.stdout.toString()).toBe(`report: ${join(dir, "report.html")}\n`);
    expect(plain.code).toBe(0);
    const json = await runCli(["report", dir, "--json"]);
    expect(JSON.parse(json.stdout.toString())).toEqual({ report: join(dir, "report.html") });
    expect(json.stderr).toContain("report: ");
  });
});

describe("subcommand parse errors", { timeout: 60_000 }, () => {
  for (const args of [
    ["run", "--bogus"],
    ["check"],
    ["scenario", "list", "--bogus"],
    ["image", "build", "--bogus"],
    ["bogus"],
  ]) {
    it(`splitbrain ${args.join(" ")}: the error and the --help hint on stderr, exit 3`, async () => {
      const r = await runCli(args);
      const lines = r.stderr.trim().split("\n");
      expect(lines[0]).toMatch(
        /^error: (unknown option '--bogus'|missing required argument 'history'|unknown command 'bogus')$/,
      );
      expect(lines.at(-1)).toBe("(run with --help for usage)");
      expect(r.stdout.length).toBe(0);
      expect(r.code).toBe(3);
    });
  }
});

describe("check on a run directory that cannot take results.json", { timeout: 60_000 }, () => {
  let history: ReturnType<typeof partitionedSetHistory>;
  beforeAll(() => {
    history = partitionedSetHistory();
  });

  async function runDirWithoutResults(): Promise<string> {
    const { dir } = await writeRunDir(testRecord(partitionArgs), history, {}, { check: false });
    made.push(dir);
    return dir;
  }

  it("read-only: prints the verdict and its exit code, then warns it could not save results.json", async () => {
    const dir = await runDirWithoutResults();
    chmodSync(dir, 0o555);
    // Root writes through a mode of 555, so as root the check runs as nobody, for whom the mode really holds
    // (the worktree and node must be readable by every user, as they are when installed normally).
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const plain = await runCli(["check", dir], asNobody);
    expect(plain.stdout.toString()).toMatch(/verdict\s+INVALID/);
    expect(plain.stderr).toMatch(
      /^warning: could not save .*results\.json \((EACCES|EPERM): no permission to write there\)/m,
    );
    expect(plain.code).toBe(1);
    expect(existsSync(join(dir, "results.json"))).toBe(false);

    const json = await runCli(["check", dir, "--json"], asNobody);
    const out = JSON.parse(json.stdout.toString());
    expect(out.valid).toBe(false);
    expect(out.unsaved).toMatchObject({ path: join(dir, "results.json") });
    expect(json.stderr.indexOf("verdict")).toBeLessThan(json.stderr.indexOf("warning: could not save"));
    expect(json.code).toBe(1);
  });

  it("results.json is a directory (fails for root too): the verdict, then the warning with EISDIR", async () => {
    const dir = await runDirWithoutResults();
    mkdirSync(join(dir, "results.json"));
    const r = await runCli(["check", dir]);
    expect(r.stdout.toString()).toMatch(/verdict\s+INVALID/);
    expect(r.stderr).toMatch(/warning: could not save .*results\.json \(EISDIR/);
    expect(r.code).toBe(1);
    expect(statSync(join(dir, "results.json")).isDirectory()).toBe(true);
  });
});
