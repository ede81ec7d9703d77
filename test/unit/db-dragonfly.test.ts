import { describe, expect, it } from "vitest";
import type { ExecResult } from "../../src/core/cluster.js";
import { UsageError } from "../../src/core/exit.js";
import { dragonflyRefusals, withForcedEpoll } from "../../src/db/dragonfly/adapter.js";
import {
  chooseIoBackend,
  failedOverIoUring,
  ioProbeScript,
  readIoProbe,
  userForcesEpoll,
} from "../../src/db/dragonfly/io.js";
import { ENGINES } from "../../src/db/engines.js";
import { defaultSpec } from "../../src/db/spec.js";
import { offlineDefinition } from "../../src/image/definition.js";

/** Log lines as Dragonfly 1.40.1 printed them here (glog format), trimmed of the banner. */
const BANNER = [
  "                   .--::--.                   ",
  "* Logs will be written to the first available of the following paths:",
];
const STARTED = ["I1123 19:31:55.616214       8 init.cc:144] dragonfly running in opt mode.", ...BANNER];
const ENOMEM_FALLBACK =
  "W1123 19:32:02.152557       9 dfly_main.cc:541] io_uring does not have enough memory. That can happen when your max " +
  "locked memory is too limited. If you run via docker, try adding '--ulimit memlock=-1' to \"docker run\" command." +
  "Meanwhile, switching to epoll";

function output(...lines: string[]): string {
  return lines.join("\n") + "\n";
}

describe("reading the I/O probe", () => {
  it("takes multiplexing_api and keeps Dragonfly's own words about its I/O engine", () => {
    const r = readIoProbe(output("splitbrain-multiplexing-api:epoll", ...STARTED, ENOMEM_FALLBACK));
    expect(r.api).toBe("epoll");
    expect(r.exited).toBe(false);
    expect(r.ioLines).toHaveLength(1);
    expect(r.ioLines[0]).toMatch(/^dfly_main\.cc:541\] io_uring does not have enough memory/);
    // The banner is not a log line.
    expect(r.tail.every((l) => /^[IWEF]\d{4} /.test(l))).toBe(true);
  });

  it("a server that died over io_uring is told apart from one that died over a bad flag", () => {
    const uring = readIoProbe(
      output(
        "splitbrain-probe-exited",
        "E1123 10:00:00.000000 7 dfly_main.cc:560] Failed to initialize io_uring: Operation not permitted",
      ),
    );
    expect(uring.api).toBeUndefined();
    expect(uring.exited).toBe(true);
    expect(failedOverIoUring(uring)).toBe(true);
    const flag = readIoProbe(
      output(
        "splitbrain-probe-exited",
        "E1123 10:00:00.000000 8 dfly_main.cc:319] There are 2 threads, so 512.00MiB are required. Exiting...",
      ),
    );
    expect(failedOverIoUring(flag)).toBe(false);
  });

  it("the probe runs on loopback, never phones home, and uses the run's thread count", () => {
    const spec = defaultSpec({ db: "dragonfly", topology: "single" });
    spec.dragonfly.proactorThreads = 3;
    const s = ioProbeScript(spec, false);
    expect(s).toContain("--bind=127.0.0.1");
    expect(s).toContain("--version_check=false");
    expect(s).toContain("--proactor_threads=3");
    expect(s).not.toContain("--force_epoll");
    expect(ioProbeScript(spec, true)).toContain("--force_epoll");
  });
});

/** A node that answers each probe with the next canned output, recording the scripts it was given. */
function fakeNode(...outputs: string[]): { run: (cmd: string[]) => Promise<ExecResult>; scripts: string[] } {
  const scripts: string[] = [];
  return {
    scripts,
    run: async (cmd) => {
      scripts.push(cmd[cmd.length - 1]!);
      const stdout = outputs.shift();
      if (stdout === undefined) throw new Error("probe ran more often than expected");
      return { exitCode: 0, stdout, stderr: "" };
    },
  };
}

describe("choosing the I/O engine", () => {
  const spec = defaultSpec({ db: "dragonfly", topology: "replicated" });

  it("io_uring that works is kept, with one probe", async () => {
    const node = fakeNode(output("splitbrain-multiplexing-api:iouring", ...STARTED));
    const c = await chooseIoBackend(spec, node.run);
    expect(c).toMatchObject({ multiplexingApi: "iouring", forceEpoll: false });
    expect(node.scripts).toHaveLength(1);
  });

  it("Dragonfly's own switch to epoll is recorded with its reason, not forced", async () => {
    const node = fakeNode(output("splitbrain-multiplexing-api:epoll", ...STARTED, ENOMEM_FALLBACK));
    const c = await chooseIoBackend(spec, node.run);
    expect(c.multiplexingApi).toBe("epoll");
    expect(c.forceEpoll).toBe(false);
    expect(c.warnings[0]).toMatch(/not have enough memory/);
  });

  it("a server that dies over io_uring is retried with --force_epoll, and the runs then force it", async () => {
    const node = fakeNode(
      output(
        "splitbrain-probe-exited",
        "E1123 10:00:00.000000 7 x.cc:1] io_uring_queue_init failed: Cannot allocate memory",
      ),
      output("splitbrain-multiplexing-api:epoll", ...STARTED),
    );
    const c = await chooseIoBackend(spec, node.run);
    expect(c).toMatchObject({ multiplexingApi: "epoll", forceEpoll: true });
    expect(node.scripts[1]).toContain("--force_epoll");
    const launched = withForcedEpoll(spec, c.forceEpoll);
    expect(launched.dragonfly.extra).toContainEqual(["force_epoll", "true"]);
    // The user's spec (written to test.json as the plan) is left as they gave it.
    expect(spec.dragonfly.extra).toEqual([]);
  });

  it("a server that dies for another reason is a usage error quoting its log, without an epoll retry", async () => {
    const node = fakeNode(
      output(
        "splitbrain-probe-exited",
        "E1123 10:00:00.000000 8 dfly_main.cc:319] There are 2 threads, so 512.00MiB are required. Exiting...",
      ),
    );
    const err = await chooseIoBackend(spec, node.run).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/512\.00MiB are required/);
    expect(node.scripts).toHaveLength(1);
  });

  it("the user's --dragonfly-flag force_epoll=true is honoured and not added twice", async () => {
    const forced = defaultSpec({ db: "dragonfly", topology: "single" });
    forced.dragonfly.extra = [["force_epoll", "true"]];
    expect(userForcesEpoll(forced)).toBe(true);
    const node = fakeNode(output("splitbrain-multiplexing-api:epoll", ...STARTED));
    const c = await chooseIoBackend(forced, node.run);
    expect(c).toMatchObject({ multiplexingApi: "epoll", forceEpoll: true, how: "--dragonfly-flag force_epoll=true" });
    expect(withForcedEpoll(forced, true).dragonfly.extra).toEqual([["force_epoll", "true"]]);
  });
});

describe("Dragonfly refusals measured on the server", () => {
  it("maxmemory below 256MiB per thread is refused before start, naming both numbers", () => {
    const spec = defaultSpec({ db: "dragonfly", topology: "single" });
    spec.dragonfly.proactorThreads = 2;
    spec.settings.maxmemory = "256mb";
    const why = dragonflyRefusals(spec);
    expect(why).toHaveLength(1);
    expect(why[0]).toMatch(/256MiB of maxmemory per thread.*--maxmemory 256mb.*512mb/);
    spec.settings.maxmemory = "512mb";
    expect(dragonflyRefusals(spec)).toEqual([]);
  });

  it("AOF, min-replicas and save points are refused with what to use instead", () => {
    const spec = defaultSpec({ db: "dragonfly", topology: "replicated" });
    spec.settings.appendonly = true;
    spec.settings.minReplicasToWrite = 1;
    spec.settings.save = "60 1";
    const why = dragonflyRefusals(spec).join("\n");
    expect(why).toMatch(/no append-only file.*--snapshot-cron/);
    expect(why).toMatch(/no min-replicas-to-write/);
    expect(why).toMatch(/no "save" points/);
  });
});

describe("the Dragonfly node image", () => {
  it("carries Redis's Sentinel and redis-cli (Sentinels watch Dragonfly) but no Redis server", () => {
    const packages = offlineDefinition(ENGINES.dragonfly.image, "bookworm", "ab").packages;
    expect(packages).toContain("redis-sentinel");
    expect(packages).toContain("redis-tools");
    expect(packages).not.toContain("redis-server");
  });
});
