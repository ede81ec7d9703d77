import { c, forStream } from "../core/output.js";

export interface RunCounts {
  ok: number;
  fail: number;
  info: number;
}

export interface StatusSnapshot {
  phase: string;
  elapsedMs: number;
  totalMs?: number;
  counts: RunCounts;
  activeFaults: string[];
}

/**
 * Progress for people. On a TTY one status line is redrawn in place (phase, elapsed/total, ops/s, ok/fail/info,
 * active faults); elsewhere (CI logs) each phase change and a status line every `plainEveryMs` are printed as plain
 * lines, so logs stay readable.
 */
export class Progress {
  private readonly tty: boolean;
  private lastLine = "";
  private lastPlainAt = -Infinity;
  private lastOps = 0;
  private lastOpsAt = 0;
  private rate = 0;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 10_000,
  ) {
    this.tty = !!out.isTTY && process.env.CI !== "true";
  }

  /** A phase change or notable event: always its own line. */
  event(line: string): void {
    this.clear();
    this.out.write(forStream(this.out, line) + "\n");
    this.redraw();
  }

  status(s: StatusSnapshot): void {
    const total = s.counts.ok + s.counts.fail + s.counts.info;
    if (s.elapsedMs - this.lastOpsAt >= 1000) {
      this.rate = ((total - this.lastOps) * 1000) / Math.max(1, s.elapsedMs - this.lastOpsAt);
      this.lastOps = total;
      this.lastOpsAt = s.elapsedMs;
    }
    const time = s.totalMs ? `${secs(s.elapsedMs)}/${secs(s.totalMs)}` : secs(s.elapsedMs);
    const faults = s.activeFaults.length ? ` faults: ${s.activeFaults.join(", ")}` : "";
    const line =
      `${s.phase} ${time} ${Math.round(this.rate)} ops/s ` +
      `${c().green(`ok ${s.counts.ok}`)} ${c().red(`fail ${s.counts.fail}`)} ${c().yellow(`info ${s.counts.info}`)}` +
      faults;
    if (this.tty) {
      this.lastLine = line;
      this.redraw();
    } else if (s.elapsedMs - this.lastPlainAt >= this.plainEveryMs) {
      this.lastPlainAt = s.elapsedMs;
      this.out.write(forStream(this.out, line) + "\n");
    }
  }

  done(): void {
    this.clear();
    this.lastLine = "";
  }

  private clear(): void {
    if (this.tty && this.lastLine) this.out.write("\r\x1b[2K");
  }

  private redraw(): void {
    if (this.tty && this.lastLine) this.out.write("\r\x1b[2K" + this.lastLine);
  }
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(0)}s`;
}
