import { c, say } from "../core/output.js";

/**
 * Phase lines with elapsed time, for builds that take a minute. On a TTY, chatter from the tools (debootstrap's
 * "I: Retrieving ...") rewrites one status line; elsewhere (CI logs) only phases and a heartbeat are printed.
 */
export class Progress {
  private readonly started = Date.now();
  private lastBeat = Date.now();
  private statusShown = false;
  private readonly tty = !!process.stderr.isTTY;

  constructor(private readonly quiet = false) {}

  elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
  }

  phase(text: string): void {
    if (this.quiet) return;
    this.clearStatus();
    say(`${c().dim(`[${this.elapsed().padStart(6)}]`)} ${text}`);
    this.lastBeat = Date.now();
  }

  /** A detail line from a tool: transient on a TTY, a heartbeat every 15 s in logs. */
  detail(text: string): void {
    if (this.quiet) return;
    if (this.tty) {
      const line = `[${this.elapsed().padStart(6)}]   ${text}`.slice(0, (process.stderr.columns || 100) - 1);
      process.stderr.write(`\r\x1b[K${c().dim(line)}`);
      this.statusShown = true;
    } else if (Date.now() - this.lastBeat > 15_000) {
      this.phase(`  ... ${text}`);
    }
  }

  private clearStatus(): void {
    if (this.statusShown) process.stderr.write("\r\x1b[K");
    this.statusShown = false;
  }

  done(text: string): void {
    this.phase(c().green(text) + c().dim(` (${this.elapsed()} in all)`));
  }
}
