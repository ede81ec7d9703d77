// The last step of `npm run build`: the compiled CLI (dist/src/, from tsc) bundled into dist/bundle/, which is what
// bin/splitbrain.js runs. Node's ESM loader resolves, reads and compiles each module on its own, and that, not the
// checking, was most of `check` on a small history (about 45 modules, commander and chalk included). Bundled, the
// commands stay separate chunks loaded when named (so `check` loads no dockerode), the worker thread of the
// linearizability checker is an entry of its own beside the chunk that starts it ("./worker.js"), and the packages
// that are large or load native code stay outside, resolved from node_modules as before.
import { readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const bundled = new Set(["commander", "chalk"]);
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const outdir = "dist/bundle";
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { cli: "dist/src/cli/entry.js", worker: "dist/src/checker/linearizable/worker.js" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: Object.keys(pkg.dependencies).filter((d) => !bundled.has(d)),
  // commander is CommonJS and requires Node's own modules, which an ES module bundle can only do through this.
  banner: { js: 'import { createRequire as __splitbrainRequire } from "node:module"; const require = __splitbrainRequire(import.meta.url);' },
  logLevel: "warning",
});
