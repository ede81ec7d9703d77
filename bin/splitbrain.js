#!/usr/bin/env node
// The compiled CLI lives in dist/ (built on `npm install` by the prepare script). dist/bundle/ is the same code in a
// few files, which Node loads several times faster than the ~45 modules of even `check` (scripts/bundle.mjs).
import "../dist/bundle/cli.js";
