import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";

/**
 * The package as a user gets it: `npm pack` of this tree (dist/ as built; scripts off so the pack does not rebuild
 * dist/ under other tests' feet), installed into an empty project, then run from there. Dependencies come from npm's
 * cache when it has them (as after `npm ci`), else from the registry.
 */
const work = mkdtempSync(join(tmpdir(), "splitbrain-e2e-package-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function npm(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_fund: "false" } });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

it("packs, installs from the tarball and runs --version, check and scenario list", () => {
  const packed = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work, packageRoot], work);
  expect(packed.status, packed.out).toBe(0);
  const tgz = join(work, readdirSync(work).find((f) => f.endsWith(".tgz"))!);

  const project = join(work, "project");
  execFileSync("mkdir", [project]);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "uses-splitbrain", private: true }));
  // Install scripts off: splitbrain has none that run from a tarball, and a dependency's optional native build
  // (ssh2's cpu-features) would only add minutes.
  const common = ["install", "--no-audit", "--ignore-scripts", tgz];
  let installed = npm([...common, "--offline"], project);
  if (installed.status !== 0) installed = npm([...common, "--prefer-offline"], project);
  expect(installed.status, installed.out).toBe(0);

  const pkgDir = join(project, "node_modules", "splitbrain");
  const bin = join(project, "node_modules", ".bin", "splitbrain");
  const run = (args: string[]) =>
    spawnSync(bin, args, { cwd: project, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

  const version = run(["--version"]);
  expect(version.status, version.stderr).toBe(0);
  const { version: ours } = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
  expect(version.stdout.trim()).toBe(ours);

  const fixture = join(packageRoot, "test", "fixtures", "histories", "register.jsonl");
  const check = run(["check", fixture]);
  expect(check.status, check.stderr).toBe(0);
  expect(check.stdout).toMatch(/verdict\s+linearizable: all 4 operations/);

  const list = run(["scenario", "list"]);
  expect(list.status, list.stderr).toBe(0);
  // The catalogue is read from the installed package, not from this checkout.
  const shipped = readdirSync(join(pkgDir, "scenarios")).filter((f) => f.endsWith(".json"));
  expect(shipped.length).toBe(readdirSync(join(packageRoot, "scenarios")).filter((f) => f.endsWith(".json")).length);
  for (const f of shipped) expect(list.stdout).toContain(f.replace(/\.json$/, ""));
  expect(list.stderr).toContain(`${shipped.length} scenarios`);

  // What the package promises around the code: its licence, every file its README links to, no dangling maps.
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { license: string };
  expect(pkg.license).toBe("Apache-2.0");
  expect(readFileSync(join(pkgDir, "LICENSE"), "utf8")).toContain(
    "Apache License\n                           Version 2.0",
  );
  const readme = readFileSync(join(pkgDir, "README.md"), "utf8");
  const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1]!)
    .filter((l) => !/^[a-z]+:/.test(l));
  expect(links.length).toBeGreaterThan(0);
  for (const link of links) expect(existsSync(join(pkgDir, link)), `README links ${link}`).toBe(true);
  const maps = execFileSync("find", [pkgDir, "-name", "*.map"], { encoding: "utf8" }).trim();
  expect(maps).toBe("");
}, 240_000);
