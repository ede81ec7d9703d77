import { type FileHandle, open } from "node:fs/promises";
import { constants, createGzip, type Gzip } from "node:zlib";
import { opToJsonLine } from "./jsonl.js";
import type { Op } from "./op.js";

export interface HistoryWriterOptions {
  /** Longest time an appended op may sit in memory before it is written (default 100 ms). */
  flushIntervalMs?: number;
  /** Write at once when this many ops are waiting (default 4096), so bursts do not pile up. */
  maxBufferedOps?: number;
}

/**
 * Streams a history to JSON Lines while the run goes on. Ops are written in small batches, never held longer than
 * the flush interval, so a run killed half-way leaves a file that can still be checked: at worst its last line is
 * cut short, which the reader drops with a warning.
 *
 * Appends are synchronous and numbered in call order; the file writes behind them are serialised on one chain.
 * A failed write is remembered and thrown from the next append, flush or close, so it cannot go unnoticed.
 *
 * A path ending in `.gz` is written gzip-compressed (a history compresses about tenfold). Each batch is ended with a
 * sync flush, so the file always holds a decodable prefix of the history: a run killed half-way leaves a file without
 * the gzip trailer, which the reader (read.ts) decodes up to the last batch.
 */
export class HistoryWriter {
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;
  private nextIndex = 0;
  private readonly gzip: GzipSink | undefined;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly flushIntervalMs: number,
    private readonly maxBufferedOps: number,
  ) {
    if (path.endsWith(".gz")) this.gzip = new GzipSink();
  }

  /** Creates the file; refuses to overwrite an existing history. */
  static async create(path: string, opts: HistoryWriterOptions = {}): Promise<HistoryWriter> {
    const fh = await open(path, "wx");
    // At a run's rate (10-40k lines/s) 4096 lines is about the flush interval anyway; with 256 the writer flushed
    // 50-150 times a second, each flush a zlib sync flush, a threadpool hand-off and a file write on the clients'
    // thread: about a sixth of the harness's CPU per op (bench/harness.ts).
    return new HistoryWriter(fh, path, opts.flushIntervalMs ?? 100, opts.maxBufferedOps ?? 4096);
  }

  /** How many ops have been appended. */
  get count(): number {
    return this.nextIndex;
  }

  /** Records an op, giving it the next index; returns the op as recorded. */
  append(op: Omit<Op, "index">): Op {
    if (this.closed) throw new Error(`history ${this.path} is closed`);
    if (this.failure) throw this.failure;
    // Copy then number (not `{ ...op, index }`): on this per-op path V8 took several microseconds for the spread
    // with an extra property (bench/harness.ts). Numbering last still overrides an index the caller's object had.
    const recorded = Object.assign({}, op) as Op;
    recorded.index = this.nextIndex++;
    this.buffer.push(opToJsonLine(recorded) + "\n");
    if (this.buffer.length >= this.maxBufferedOps) void this.flush().catch(() => {});
    else if (this.timer === undefined) {
      // Not unref'd: a process that forgets close() still writes its last ops before exiting.
      this.timer = setTimeout(() => void this.flush().catch(() => {}), this.flushIntervalMs);
    }
    return recorded;
  }

  /**
   * Records an op like `append`, for the hot path of a run: the caller's object is written as it is, not copied
   * into a fresh object in the file's field order first. So it must already have that order (see opToJsonLine):
   * `index` first (any number: it is overwritten), then time, process, type, f, key, value, error, node, without
   * other fields. Returns the index. The caller must not change the op afterwards.
   */
  record(op: Op): number {
    if (this.closed) throw new Error(`history ${this.path} is closed`);
    if (this.failure) throw this.failure;
    const index = (op.index = this.nextIndex++);
    // JSON.stringify of a plain object is V8's fast path: one flat string, no intermediate object.
    this.buffer.push(JSON.stringify(op) + "\n");
    if (this.buffer.length >= this.maxBufferedOps) void this.flush().catch(() => {});
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush().catch(() => {}), this.flushIntervalMs);
    }
    return index;
  }

  /** Writes everything appended so far; resolves once it is in the file. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length > 0) {
      const chunk = this.buffer.join("");
      this.buffer = [];
      this.chain = this.chain.then(async () => {
        if (this.failure) return;
        try {
          if (this.gzip) await this.file.write(await this.gzip.compress(chunk));
          else await this.file.write(chunk);
        } catch (err) {
          this.failure = err as Error;
        }
      });
    }
    return this.chain.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Flushes, syncs to disk and closes. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    try {
      await this.flush();
      if (this.gzip) {
        const trailer = await this.gzip.end();
        await this.file.write(trailer);
      }
      await this.file.sync();
    } finally {
      this.closed = true;
      await this.file.close();
    }
  }
}

/**
 * zlib's level 3, not its default 6: on a run's JSON lines level 6 cost 2-4 us of CPU per line (two lines per op,
 * against about 30 us for the op itself on a 2-core host, where that CPU is taken from the server under test) for
 * 10.1x; level 3 costs a third to a half of that for 8.7x.
 */
const GZIP_LEVEL = 3;

/** One gzip stream over the whole file; each batch comes back compressed up to a sync flush. */
class GzipSink {
  private readonly gz: Gzip = createGzip({ level: GZIP_LEVEL });
  private out: Buffer[] = [];

  constructor() {
    this.gz.on("data", (b: Buffer) => this.out.push(b));
  }

  /** The batch's compressed bytes; zlib emits them before it calls back from the flush. */
  compress(chunk: string): Promise<Buffer> {
    this.gz.write(chunk);
    return new Promise((resolve, reject) => {
      this.gz.once("error", reject);
      this.gz.flush(constants.Z_SYNC_FLUSH, () => {
        this.gz.off("error", reject);
        resolve(this.take());
      });
    });
  }

  /** The stream's last bytes (the gzip trailer). */
  end(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.gz.once("error", reject);
      this.gz.once("end", () => resolve(this.take()));
      this.gz.end();
    });
  }

  private take(): Buffer {
    const b = Buffer.concat(this.out);
    this.out = [];
    return b;
  }
}
