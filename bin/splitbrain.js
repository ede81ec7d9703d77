#!/usr/bin/env node
// The compiled CLI lives in dist/ (built on `npm install` by the prepare script).
import { main } from "../dist/src/cli/main.js";

main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`splitbrain: ${err?.message ?? err}\n`);
    process.exit(3);
  },
);
