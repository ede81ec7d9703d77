import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/exit.js";
import { assertWritable, makeDirs, outputProblem } from "../../src/core/outputPaths.js";
import { createRunDir, pointLatest } from "../../src/rundir/paths.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "splitbrain-out-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("makeDirs", () => {
  it("creates every missing parent and accepts existing ones", () => {
    makeDirs(join(dir, "a", "b", "c"));
    makeDirs(join(dir, "a", "b", "c"));
    expect(lstatSync(join(dir, "a", "b", "c")).isDirectory()).toBe(true);
  });

  it("refuses a path through a file", () => {
    writeFileSync(join(dir, "f"), "");
    expect(() => makeDirs(join(dir, "f", "x"))).toThrow(/ENOTDIR/);
  });

  it.skipIf(!existsSync("/proc/self"))("fails at once under /proc, where Node's recursive mkdir spins forever", () => {
    const t0 = Date.now();
    expect(() => makeDirs("/proc/splitbrain-x/y")).toThrow(/ENOENT/);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe("outputProblem", () => {
  it("accepts a directory to be created and a file in an existing directory, leaving nothing behind", () => {
    expect(outputProblem({ flag: "--results", path: join(dir, "new", "deeper"), kind: "dir" })).toBeUndefined();
    expect(outputProblem({ flag: "--junit", path: join(dir, "x.xml"), kind: "file" })).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("names the flag and what is wrong", () => {
    writeFileSync(join(dir, "f"), "");
    expect(outputProblem({ flag: "--results", path: join(dir, "f", "x"), kind: "dir" })).toMatch(
      /^--results .*f\/x: .*f is not a directory/,
    );
    expect(outputProblem({ flag: "--junit", path: join(dir, "nope", "x.xml"), kind: "file" })).toMatch(
      /^--junit .*: directory .*nope does not exist/,
    );
    expect(outputProblem({ flag: "--junit", path: dir, kind: "file" })).toMatch(/^--junit .*: is a directory/);
  });

  it.skipIf(!existsSync("/proc/self"))("refuses /proc/x promptly", () => {
    expect(outputProblem({ flag: "--results", path: "/proc/x", kind: "dir" })).toMatch(
      /^--results \/proc\/x: cannot create anything in \/proc/,
    );
  });

  it("assertWritable lists every problem in one UsageError", () => {
    const bad = join(dir, "nope", "x.xml");
    expect(() => assertWritable([{ flag: "--junit", path: bad, kind: "file" }, undefined])).toThrow(UsageError);
    expect(() => assertWritable([{ flag: "--results", path: dir, kind: "dir" }, undefined])).not.toThrow();
  });
});

describe("results/latest", () => {
  it("is not moved by creating a run directory, only by pointLatest", () => {
    mkdirSync(join(dir, "old"));
    symlinkSync("old", join(dir, "latest"));
    const run = createRunDir(dir, "20260101T000000Z-redis-single-abc");
    expect(lstatSync(run.nodesPath).isDirectory()).toBe(true);
    expect(readlinkSync(join(dir, "latest"))).toBe("old");
    pointLatest(dir, "20260101T000000Z-redis-single-abc");
    expect(readlinkSync(join(dir, "latest"))).toBe("20260101T000000Z-redis-single-abc");
  });
});
