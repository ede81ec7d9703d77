import { cleanRun } from "../docker/cleanup.js";
import { execIn, NODE_CMD, NODE_ENTRYPOINT } from "../docker/container.js";
import { docker } from "../docker/engine.js";
import { labels, newRunId } from "../docker/labels.js";
import { parseServerVersion } from "./definition.js";
import type { NodeImage } from "./nodeImage.js";

export interface IptablesProbe {
  ok: boolean;
  /** "nf_tables" or "legacy", from `iptables -V`. */
  backend?: string;
  error?: string;
}

export interface NodeProbe {
  iptables: IptablesProbe;
  /** iptables through the legacy backend, tried only when the default failed. */
  legacy?: IptablesProbe;
  version?: string;
  versionOutput: string;
  /** Whether `tc qdisc ... netem` works in a node (needs sch_netem in the host kernel): the latency fault. */
  netem: { ok: boolean; error?: string };
}

/** What partitions need: our own chain, a random-drop rule (statistic match), hooking it into INPUT, removing it. */
const IPTABLES_SELF_TEST = [
  "set -e",
  "iptables -N SPLITBRAIN_PROBE",
  "iptables -A SPLITBRAIN_PROBE -s 192.0.2.1 -m statistic --mode random --probability 0.5 -j DROP",
  "iptables -I INPUT -j SPLITBRAIN_PROBE",
  "iptables -D INPUT -j SPLITBRAIN_PROBE",
  "iptables -F SPLITBRAIN_PROBE",
  "iptables -X SPLITBRAIN_PROBE",
  "iptables -V",
].join("\n");

async function iptablesIn(containerId: string, path?: string): Promise<IptablesProbe> {
  const env = path ? { PATH: path } : undefined;
  const r = await execIn(containerId, ["sh", "-c", IPTABLES_SELF_TEST], { timeoutMs: 20_000, ...(env ? { env } : {}) });
  if (r.exitCode !== 0) return { ok: false, error: (r.stderr || r.stdout).trim().split("\n").slice(-2).join(" ") };
  const backend = /\((\w+)\)/.exec(r.stdout)?.[1];
  return backend ? { ok: true, backend } : { ok: true };
}

export const LEGACY_PATH =
  "/usr/local/lib/splitbrain/legacy-bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Starts a throwaway node (labelled with its own run id, no network) from `image`, checks that iptables works in
 * it and asks the server binary its version, then removes it, also when something fails.
 */
export async function probeNodeImage(image: string, engine: Pick<NodeImage, "serverBinary">): Promise<NodeProbe> {
  const runId = newRunId();
  try {
    const container = await docker().createContainer({
      Image: image,
      name: `splitbrain-${runId}-probe`,
      Entrypoint: NODE_ENTRYPOINT,
      Cmd: NODE_CMD,
      Labels: labels(runId, { "splitbrain.node": "probe" }),
      // A loopback interface is all the probe needs; "none" keeps it off every network.
      HostConfig: { NetworkMode: "none", CapAdd: ["NET_ADMIN"] },
    });
    await container.start();
    const iptables = await iptablesIn(container.id);
    const legacy = iptables.ok ? undefined : await iptablesIn(container.id, LEGACY_PATH);
    const v = await execIn(container.id, [engine.serverBinary, "--version"], { timeoutMs: 20_000 });
    const versionOutput = (v.stdout + v.stderr).trim();
    const version = v.exitCode === 0 ? parseServerVersion(versionOutput) : undefined;
    const tc = await execIn(
      container.id,
      ["sh", "-c", "tc qdisc add dev lo root netem delay 1ms && tc qdisc del dev lo root"],
      {
        timeoutMs: 10_000,
      },
    );
    const netem =
      tc.exitCode === 0 ? { ok: true } : { ok: false, error: (tc.stderr || tc.stdout).trim().split("\n")[0] ?? "" };
    return { iptables, ...(legacy ? { legacy } : {}), ...(version ? { version } : {}), versionOutput, netem };
  } finally {
    await cleanRun(runId);
  }
}
