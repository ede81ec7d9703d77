import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeReport } from "../../src/report/write.js";
import { partitionArgs, partitionedSetHistory, testRecord, writeRunDir } from "../unit/report-fixture.js";

/**
 * report.html in a real headless Chromium (Debian's `chromium`): the page loads with no console message at all
 * (the page has no script, so any message is an error: a blocked load, a CSP violation, a parse problem), its
 * verdict is in the DOM, and a screenshot is written. Without Chromium the test is skipped, except under
 * SPLITBRAIN_REQUIRE_DOCKER=1 (CI), where it fails: .ci/run installs the package.
 */

const CHROMIUM = process.env.SPLITBRAIN_CHROMIUM ?? "/usr/bin/chromium";
const required = process.env.SPLITBRAIN_REQUIRE_DOCKER === "1";
const present = existsSync(CHROMIUM);

function chromium(args: string[], profile: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--user-data-dir=${profile}`,
    "--enable-logging=stderr",
    "--v=0",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, [...flags, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Chromium logs every console message and uncaught error of the page as an INFO:CONSOLE line on stderr. */
function consoleLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /:CONSOLE[:(]/.test(l));
}

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

const suite = present ? describe : required ? describe : describe.skip;

suite(`report.html in headless Chromium${present ? "" : ` [${CHROMIUM} missing: apt-get install chromium]`}`, () => {
  it.runIf(!present)("has Chromium (SPLITBRAIN_REQUIRE_DOCKER=1)", () => {
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium package (.ci/run does), or set SPLITBRAIN_CHROMIUM`,
    );
  });

  it.runIf(present)(
    "loads with no console messages, shows the verdict, and takes a screenshot",
    async () => {
      const evilLog = `1:M 01 Jan 2026 00:00:01.000 * <script>console.error("xss")</script>\n`;
      const run = await writeRunDir(
        testRecord(partitionArgs),
        partitionedSetHistory({ elements: 3000, lost: 200, hostile: `<img src=x onerror="console.error(1)">` }),
        {
          n1: { "db.log": evilLog },
          s1: {
            "sentinel.log": "27:X 01 Jan 2026 00:00:06.600 # +switch-master splitbrain 10.0.0.11 6379 10.0.0.12 6379\n",
          },
        },
      );
      temps.push(run.dir);
      const page = await writeReport(run.dir);
      const url = `file://${page}`;
      const out = mkdtempSync(join(tmpdir(), "splitbrain-browser-"));
      temps.push(out);

      const shot = join(out, "report.png");
      const s = await chromium(
        [`--screenshot=${shot}`, "--window-size=1200,1600", "--hide-scrollbars", url],
        join(out, "profile-1"),
      );
      expect(consoleLines(s.stderr)).toEqual([]);
      expect(existsSync(shot)).toBe(true);
      // A blank page of this size compresses to a few KB; charts, tables and text make it far larger.
      expect(statSync(shot).size).toBeGreaterThan(50_000);
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe("PNG");

      const dom = await chromium(["--dump-dom", url], join(out, "profile-2"));
      expect(consoleLines(dom.stderr)).toEqual([]);
      expect(dom.stdout).toContain("Anomalies found");
      expect(dom.stdout).toContain("200 acknowledged writes were lost");
      expect(dom.stdout).not.toContain("<img src");
      expect(dom.stdout).toMatch(/<svg[^>]*viewBox/);
      if (process.env.SPLITBRAIN_KEEP_SCREENSHOT)
        (await import("node:fs")).copyFileSync(shot, process.env.SPLITBRAIN_KEEP_SCREENSHOT);
    },
    180_000,
  );
});
