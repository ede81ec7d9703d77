/**
 * Child process for cluster-interrupt.test.ts: starts a Sentinel topology the way `splitbrain run` will (signal
 * handlers installed first) and prints each set-up step, so the parent can interrupt it at a known point.
 * Usage: node --import tsx cluster-interrupt.child.ts <run id> <image> <results dir>
 */
import { clusterSpecFromOptions } from "../../src/cluster/options.js";
import { startCluster } from "../../src/cluster/start.js";
import { installSignalHandlers } from "../../src/docker/cleanup.js";

const [runId, image, resultsDir] = process.argv.slice(2) as [string, string, string];
installSignalHandlers();
await startCluster(clusterSpecFromOptions({ topology: "sentinel", dataSize: "64m" }), {
  runId,
  image,
  resultsDir,
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write("cluster up\n");
// Wait to be interrupted; the parent never lets it get here in the test, but a slow machine might.
await new Promise(() => undefined);
