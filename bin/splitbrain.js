#!/usr/bin/env node
// The compiled CLI lives in dist/ (built on `npm install` by the prepare script).
import { main } from "../dist/src/cli/main.js";
import { exitFlushed, guardStdio } from "../dist/src/core/stdio.js";

guardStdio();
// Exit only once stdout and stderr have drained: a pipe takes 64 KiB at a time, and a large --json must arrive whole.
main(process.argv).then(
  (code) => exitFlushed(code),
  (err) => {
    process.stderr.write(`splitbrain: ${err?.message ?? err}\n`);
    exitFlushed(3);
  },
);
