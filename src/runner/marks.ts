import { closeSync, fstatSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HistoryWriter } from "../history/writer.js";
import { LISTENING_FILE, MARKS_FILE, type MarkRecord, markMoment, parseMarkLine } from "../rundir/marks.js";

const POLL_MS = 200;

/**
 * Takes marks (`splitbrain mark`) into a recording run: says it is listening (a file naming this process), reads the
 * lines appended to the run directory's marks file every POLL_MS, and appends each as a nemesis op `mark` at the
 * moment the mark was made. A line that is not a mark is skipped and said, never recorded.
 */
export class MarkWatcher {
  readonly marks: MarkRecord[] = [];
  readonly skipped: string[] = [];
  private offset = 0;
  private partial = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly history: HistoryWriter,
    private readonly clockNs: () => number,
    private readonly log: (line: string) => void,
  ) {}

  start(runId: string): void {
    writeFileSync(
      join(this.dir, LISTENING_FILE),
      `${JSON.stringify({ pid: process.pid, runId, since: new Date().toISOString() })}\n`,
    );
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  /** Reads what is left, stops listening; safe to call twice. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    rmSync(join(this.dir, LISTENING_FILE), { force: true });
    this.poll();
  }

  private poll(): void {
    let fd: number;
    try {
      fd = openSync(join(this.dir, MARKS_FILE), "r");
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buf.toString("utf8")).split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) this.take(line);
    } finally {
      closeSync(fd);
    }
  }

  private take(line: string): void {
    const m = parseMarkLine(line);
    if ("problem" in m) {
      this.skipped.push(`${m.problem}: ${line.slice(0, 80)}`);
      this.log(`skipped a line of ${MARKS_FILE} (${m.problem})`);
      return;
    }
    const time = Math.round(markMoment(Date.parse(m.at), Date.now(), this.clockNs()));
    this.history.append({ process: "nemesis", type: "info", f: "mark", time, value: { text: m.text, at: m.at } });
    this.marks.push({ ...m, timeS: time / 1e9 });
    this.log(`mark at ${(time / 1e9).toFixed(1)}s: ${m.text}`);
  }
}
