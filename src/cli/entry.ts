import { exitFlushed, guardStdio } from "../core/stdio.js";
import { main } from "./main.js";

/**
 * The process's entry (bin/splitbrain.js loads it, bundled: see scripts/bundle.mjs). Exits only once stdout and
 * stderr have drained: a pipe takes 64 KiB at a time, and a large --json must arrive whole.
 */
guardStdio();
main(process.argv).then(
  (code) => exitFlushed(code),
  (err) => {
    process.stderr.write(`splitbrain: ${err?.message ?? err}\n`);
    exitFlushed(3);
  },
);
