import type { ExecResult } from "../../core/cluster.js";
import { UsageError } from "../../core/exit.js";
import type { ClusterSpec } from "../../topology/spec.js";

/**
 * Which I/O engine Dragonfly runs on inside a node. Dragonfly prefers io_uring and falls back to epoll by itself
 * when io_uring is refused (seccomp, io_uring_disabled, too little locked memory), but a kernel or runtime may also
 * make it die at start instead. So before the nodes start, one throwaway server is run in a node (same kernel, same
 * seccomp profile, same ulimits as the real ones) and asked `INFO server`; if it dies over io_uring, the probe is
 * repeated with --force_epoll, and the run uses whatever answered.
 */
export interface IoBackendChoice {
  /** INFO server multiplexing_api of the probe server: "iouring" or "epoll". */
  multiplexingApi: string;
  /** Whether the run passes --force_epoll (chosen by the probe, or asked for with --dragonfly-flag). */
  forceEpoll: boolean;
  /** How the choice was made, for people reading test.json. */
  how: string;
  /** Dragonfly's own warnings about its I/O engine during the probe (e.g. why it switched to epoll). */
  warnings: string[];
}

/** Port of the probe server: loopback only, never the data port the real server is about to take. */
export const PROBE_PORT = 16399;
const PROBE_DIR = "/tmp/splitbrain-io-probe";
const API_MARK = "splitbrain-multiplexing-api:";
const EXIT_MARK = "splitbrain-probe-exited";

/**
 * The shell a node runs for one probe: start Dragonfly on loopback, ask it which I/O engine it runs on until it
 * answers (or dies, or 10 s pass), stop it, then print its log so the caller can read Dragonfly's own words.
 */
export function ioProbeScript(spec: ClusterSpec, forceEpoll: boolean): string {
  const flags = [
    `--port=${PROBE_PORT}`,
    "--bind=127.0.0.1",
    `--dir=${PROBE_DIR}`,
    "--dbfilename=",
    "--version_check=false",
    "--logtostderr",
    // As many threads as the real server will run: io_uring's locked memory grows with the number of rings.
    ...(spec.dragonfly.proactorThreads !== undefined ? [`--proactor_threads=${spec.dragonfly.proactorThreads}`] : []),
    ...(forceEpoll ? ["--force_epoll"] : []),
  ];
  return [
    `rm -rf ${PROBE_DIR}; mkdir -p ${PROBE_DIR}`,
    `dragonfly ${flags.join(" ")} > ${PROBE_DIR}/log 2>&1 & p=$!`,
    "i=0; while [ $i -lt 100 ]; do",
    `  a=$(redis-cli -p ${PROBE_PORT} INFO server 2>/dev/null | tr -d '\\r' | sed -n 's/^multiplexing_api://p')`,
    `  if [ -n "$a" ]; then echo "${API_MARK}$a"; break; fi`,
    `  kill -0 $p 2>/dev/null || { echo ${EXIT_MARK}; break; }`,
    "  sleep 0.1; i=$((i+1))",
    "done",
    "kill -9 $p 2>/dev/null; wait $p 2>/dev/null",
    `cat ${PROBE_DIR}/log; rm -rf ${PROBE_DIR}`,
  ].join("\n");
}

export interface ProbeReading {
  /** multiplexing_api the server reported, if it answered. */
  api: string | undefined;
  /** The server exited before answering. */
  exited: boolean;
  /** Dragonfly's log lines that mention its I/O engine. */
  ioLines: string[];
  /** The last log lines, for an error message. */
  tail: string[];
}

/** Reads the output of ioProbeScript. */
export function readIoProbe(output: string): ProbeReading {
  const lines = output.split("\n").map((l) => l.replace(/\r$/, ""));
  const apiLine = lines.find((l) => l.startsWith(API_MARK));
  const log = lines.filter((l) => !l.startsWith(API_MARK) && l !== EXIT_MARK && l.trim() !== "");
  // Glog lines start with a severity letter and a date (W1123 19:32:02.15 ...); the banner art does not.
  const glog = log.filter((l) => /^[IWEF]\d{4} /.test(l));
  return {
    api: apiLine ? apiLine.slice(API_MARK.length).trim() || undefined : undefined,
    exited: lines.includes(EXIT_MARK),
    ioLines: glog.filter((l) => /io_uring|iouring|epoll|memlock|locked memory/i.test(l)).map(stripGlogPrefix),
    tail: glog.slice(-8),
  };
}

function stripGlogPrefix(line: string): string {
  return line.replace(/^[IWEF]\d{4} [\d:.]+\s+\d+\s+/, "").trim();
}

/** Whether a failed start is about io_uring (so epoll may still work) rather than, say, a bad flag. */
export function failedOverIoUring(r: ProbeReading): boolean {
  return r.api === undefined && r.tail.some((l) => /io_uring|iouring|uring|locked memory|memlock/i.test(l));
}

/** The user forced epoll themselves (--dragonfly-flag force_epoll=true). */
export function userForcesEpoll(spec: ClusterSpec): boolean {
  return spec.dragonfly.extra.some(([name, value]) => name === "force_epoll" && /^(true|1|yes)$/i.test(value));
}

export type RunInNode = (cmd: string[]) => Promise<ExecResult>;

/**
 * Runs the probe in one node and returns what the run should use. Throws a UsageError when Dragonfly starts on
 * neither engine, quoting its log.
 */
export async function chooseIoBackend(spec: ClusterSpec, run: RunInNode): Promise<IoBackendChoice> {
  const probe = async (forceEpoll: boolean) =>
    readIoProbe((await run(["sh", "-c", ioProbeScript(spec, forceEpoll)])).stdout);
  if (userForcesEpoll(spec)) {
    const r = await probe(true);
    if (r.api)
      return {
        multiplexingApi: r.api,
        forceEpoll: true,
        how: "--dragonfly-flag force_epoll=true",
        warnings: r.ioLines,
      };
    throw noStart(r, "with --force_epoll");
  }
  const first = await probe(false);
  if (first.api) {
    const how =
      first.api === "epoll"
        ? "probe: io_uring was unavailable and Dragonfly switched to epoll by itself"
        : "probe: io_uring works in a node";
    return { multiplexingApi: first.api, forceEpoll: false, how, warnings: first.ioLines };
  }
  if (!failedOverIoUring(first)) throw noStart(first, "");
  const second = await probe(true);
  if (second.api) {
    return {
      multiplexingApi: second.api,
      forceEpoll: true,
      how: "probe: Dragonfly exited at start over io_uring; --force_epoll started it",
      warnings: [...first.ioLines, ...second.ioLines],
    };
  }
  throw noStart(second, "even with --force_epoll");
}

function noStart(r: ProbeReading, how: string): UsageError {
  return new UsageError(
    `Dragonfly did not start in a node${how ? ` ${how}` : ""}${r.exited ? " (it exited)" : " (no answer within 10 s)"}. ` +
      `Its last log lines:\n  ${r.tail.join("\n  ") || "(empty)"}`,
    "check the --dragonfly-flag values and the node image (splitbrain image list); " +
      "where io_uring is blocked, --dragonfly-flag force_epoll=true selects epoll",
  );
}
