import { UsageError } from "../src/core/exit.js";
import { CounterWorkload } from "./counter.js";
import { ListAppendWorkload } from "./list-append.js";
import { QueueWorkload } from "./queue.js";
import { RegisterWorkload } from "./register.js";
import { SetWorkload } from "./set.js";
import type { Workload, WorkloadFactory, WorkloadOptions } from "./workload.js";

/** Every workload by name: adding one is a new file in workloads/ and one line here. */
export const WORKLOADS: Readonly<Record<string, WorkloadFactory>> = {
  register: (opts) => new RegisterWorkload(opts),
  set: () => new SetWorkload(),
  counter: () => new CounterWorkload(),
  queue: () => new QueueWorkload(),
  "list-append": (opts) => new ListAppendWorkload(opts),
};

export const DEFAULT_WORKLOADS = "register,set";

/** Parses `--workload a,b`: known names, no repeats, at least one. */
export function parseWorkloads(spec: string): string[] {
  const names = spec
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0)
    throw new UsageError("--workload needs at least one workload", `choose from: ${Object.keys(WORKLOADS).join(", ")}`);
  const seen = new Set<string>();
  for (const n of names) {
    if (!(n in WORKLOADS)) {
      throw new UsageError(
        `unknown workload "${n}"`,
        `choose from: ${Object.keys(WORKLOADS).join(", ")} (comma-separated)`,
      );
    }
    if (seen.has(n)) throw new UsageError(`workload "${n}" is listed twice in --workload ${spec}`);
    seen.add(n);
  }
  return names;
}

export function createWorkload(name: string, opts: WorkloadOptions = {}): Workload {
  const factory = WORKLOADS[name];
  if (!factory) throw new UsageError(`unknown workload "${name}"`, `choose from: ${Object.keys(WORKLOADS).join(", ")}`);
  return factory(opts);
}

/**
 * Splits `concurrency` client slots among workloads round-robin (slot i runs workload i mod n), so each workload
 * gets within one client of an equal share. A slot keeps its workload when its process id is replaced after an
 * `info`. Refuses fewer clients than workloads, which would leave one without clients.
 */
export function assignClients(concurrency: number, workloads: readonly string[]): string[] {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError(`--concurrency must be a positive integer, got ${concurrency}`);
  if (concurrency < workloads.length) {
    throw new UsageError(
      `--concurrency ${concurrency} is too low for ${workloads.length} workloads (${workloads.join(", ")})`,
      "give every workload at least one client: raise --concurrency or list fewer workloads",
    );
  }
  return Array.from({ length: concurrency }, (_, i) => workloads[i % workloads.length]!);
}
