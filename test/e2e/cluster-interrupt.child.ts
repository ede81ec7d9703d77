/**
 * Child process for cluster-interrupt.test.ts: starts a Sentinel topology the way `splitbrain run` will (signal
 * handlers installed first) and prints each set-up step, so the parent can interrupt it at a known point.
 * Usage: node --import tsx cluster-interrupt.child.ts <run id> <image> <results dir>
 */
import { clusterSpecFromOptions } from "../../src/cluster/options.js";
import { SetupInterruptedError, startCluster } from "../../src/cluster/start.js";
import { installSignalHandlers } from "../../src/docker/cleanup.js";

const [runId, image, resultsDir] = process.argv.slice(2) as [string, string, string];
installSignalHandlers();
// The moment set-up begins, for tests that interrupt at an offset from it.
process.stdout.write("set-up begins\n");
try {
  await startCluster(clusterSpecFromOptions({ topology: "sentinel", dataSize: "64m" }), {
    runId,
    image,
    resultsDir,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write("cluster up\n");
} catch (err) {
  // The signal handler finishes the cleanup and sets the exit code; exiting here would cut it short.
  if (!(err instanceof SetupInterruptedError)) throw err;
}
// Stay alive until the signal arrives (the handler exits); a timer keeps the event loop from draining.
setInterval(() => undefined, 60_000);
