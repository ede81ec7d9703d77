/**
 * Ending the process without losing output. On POSIX, writes to a pipe are asynchronous: `process.exit()` right
 * after a large write drops whatever the pipe had not taken yet (a `--json | cat` was cut at 64 KiB). So every exit
 * waits for stdout and stderr to hand their queued bytes to the OS, and only then forces the exit, which still
 * ends the process when a socket or timer lingers.
 */

type Stream = NodeJS.WritableStream & { writableLength: number; destroyed: boolean };

/** Resolves once everything written to `stream` so far is with the OS, or the stream can take nothing more. */
function drained(stream: Stream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off("error", done);
      stream.off("close", done);
      resolve();
    };
    stream.once("error", done);
    stream.once("close", done);
    // Write callbacks run in order, so this one runs after every write queued before it.
    stream.write("", () => done());
  });
}

export function flushStdio(): Promise<void> {
  return Promise.all([drained(process.stdout), drained(process.stderr)]).then(() => undefined);
}

let guarded = false;

/**
 * A reader that goes away (`splitbrain check --json | head -c 100`) makes the next write fail with EPIPE. That is
 * the reader's choice, not an error of ours: nothing more can be shown, so the command carries on to its own end
 * (a run still tears its cluster down) instead of dying on an unhandled stream error with a stack trace.
 */
export function guardStdio(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
    });
  }
}

/**
 * How long an exit "at once" (a third Ctrl-C) still waits for a reader to take the last lines: long enough for a
 * live pipe, short enough that a stalled one cannot hold the process.
 */
export const AT_ONCE_MS = 500;

/**
 * Ends the process with `code` once stdout and stderr are flushed. `withinMs` bounds the wait for exits that must
 * happen now (a third Ctrl-C): a reader that stopped reading must not keep the process alive then.
 */
export function exitFlushed(code: number, opts: { withinMs?: number } = {}): void {
  process.exitCode = code;
  const flushed = flushStdio();
  const bounded =
    opts.withinMs === undefined
      ? flushed
      : Promise.race([flushed, new Promise<void>((resolve) => setTimeout(resolve, opts.withinMs).unref())]);
  void bounded.then(() => process.exit(code));
}
