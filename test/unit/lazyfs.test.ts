import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";

const LAZYFS_DIR = join(packageRoot, "docker", "node", "lazyfs");
const python = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["--version"]).status === 0);

describe.skipIf(python === undefined)("lazy filesystem semantics (python unittest of lazycore.py)", () => {
  it("passes write, fsync, power loss, torn tail and both metadata modes", () => {
    const r = spawnSync(python!, [join(packageRoot, "test", "unit", "lazyfs-core.test.py")], { encoding: "utf8" });
    // unittest reports on stderr; show it when something fails.
    expect(r.stderr).toMatch(/^OK\s*$/m);
    expect(r.stderr).toMatch(/Ran (1\d|[2-9]\d) tests/);
    expect(r.status).toBe(0);
  });
});

/** The FUSE layer itself, mounted on this machine: needs root, /dev/fuse and python3-fusepy (no Docker). */
const canMount =
  python !== undefined &&
  process.getuid?.() === 0 &&
  existsSync("/dev/fuse") &&
  spawnSync(python, ["-c", "import fusepy"]).status === 0;

describe.skipIf(!canMount)("lazy filesystem through FUSE on the host", () => {
  let dir = "";
  let fs: ChildProcess | undefined;
  const mount = () => join(dir, "m");
  const ctl = (...args: string[]) =>
    JSON.parse(
      execFileSync(python!, [join(LAZYFS_DIR, "lazyfsctl.py"), "--control", join(dir, "ctl.sock"), ...args], {
        encoding: "utf8",
      }),
    ) as {
      discardedBytes: number;
      files: Array<{ path: string; discardedBytes: number }>;
    };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "lazyfs-"));
    execFileSync("mkdir", ["-p", join(dir, "b"), mount()]);
    fs = spawn(
      python!,
      [
        join(LAZYFS_DIR, "lazyfs.py"),
        "--backing",
        join(dir, "b"),
        "--mount",
        mount(),
        "--control",
        join(dir, "ctl.sock"),
      ],
      {
        stdio: "ignore",
      },
    );
    const deadline = Date.now() + 10_000;
    while (!readFileSync("/proc/mounts", "utf8").includes(` ${mount()} fuse`)) {
      if (Date.now() > deadline) throw new Error("lazyfs did not mount within 10 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(() => {
    spawnSync("umount", [mount()]);
    fs?.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("an appending writer loses exactly what it wrote after its last fsync", () => {
    const fd = openSync(join(mount(), "appendonly.aof"), "a");
    writeSync(fd, "SET a 1\n");
    fsyncSync(fd);
    writeSync(fd, "SET b 2\n");
    closeSync(fd);
    expect(readFileSync(join(mount(), "appendonly.aof"), "utf8")).toBe("SET a 1\nSET b 2\n");
    const report = ctl("lose");
    expect(report.files).toEqual([{ path: "/appendonly.aof", discardedBytes: 8, keptBytes: 0 }]);
    // Nothing stale in the kernel's caches: the next reader sees the durable image.
    expect(readFileSync(join(mount(), "appendonly.aof"), "utf8")).toBe("SET a 1\n");
  });
});

describe("power-loss stops the whole process tree", () => {
  it("SIGKILLs the server and the children it forked (BGSAVE, rewrite) before anything is dropped", async () => {
    const { killTreeScript } = await import("../../nemeses/power-loss.js");
    const dir = mkdtempSync(join(tmpdir(), "killtree-"));
    try {
      const pidFile = join(dir, "db.pid");
      // A stand-in server: writes its pid like the launch script does, and forks two long-lived children.
      const server = spawn("sh", ["-c", `echo $$ > ${pidFile}; sleep 300 & sleep 300 & wait`], { stdio: "ignore" });
      const deadline = Date.now() + 5000;
      let children: string[] = [];
      while (children.length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        children = spawnSync("pgrep", ["-P", String(server.pid)], { encoding: "utf8" })
          .stdout.trim()
          .split("\n")
          .filter(Boolean);
      }
      expect(children).toHaveLength(2);
      const r = spawnSync("sh", ["-c", killTreeScript(pidFile)], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      // Gone, or a zombie waiting for a parent that does not reap (this test runner): either way it runs no more.
      const state = (pid: string | number) =>
        spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).stdout.trim();
      for (const pid of [...children, server.pid!]) expect(state(pid)).toMatch(/^(Z.*)?$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
