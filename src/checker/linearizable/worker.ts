import { performance } from "node:perf_hooks";
import { parentPort } from "node:worker_threads";
import { modelByName } from "../../models/index.js";
import { checkPartition, type PartitionJob } from "./partition.js";

/** A pool thread: checks the partitions it is sent, one at a time, with the model named in each message. */
parentPort?.on("message", (msg: { seq: number; model: string; job: PartitionJob }) => {
  try {
    const verdict = checkPartition(msg.job, modelByName(msg.model), () => performance.now());
    parentPort!.postMessage({ seq: msg.seq, verdict });
  } catch (err) {
    parentPort!.postMessage({ seq: msg.seq, error: err instanceof Error ? err.message : String(err) });
  }
});
