import { engineOf, isEngine } from "../db/engines.js";
import type { SummaryMetrics } from "./summary.js";
import type { FaultFigures } from "./windows.js";

/**
 * Why a run's loss windows look as they do, derived from its figures and its settings, each sentence citing the
 * numbers it rests on. Pure. The mechanisms are those of Redis-style replication:
 * - an isolated primary keeps acknowledging writes until it stops (min-replicas-to-write, once its replicas' last
 *   REPLCONF ACK is older than min-replicas-max-lag; replicas send one every second) or until clients move to the
 *   primary Sentinel promoted (the first write another node acknowledges), or until the fault ends;
 * - WAIT turns would-be losses into indeterminate writes and stalls.
 * When the figures fit no mechanism, the sentence says what was measured and no more.
 */

/** Replicas send REPLCONF ACK once a second, so a replica's lag as the primary sees it runs up to max-lag + 1 s. */
export const REPLICA_ACK_PERIOD_S = 1;
/** Redis's default min-replicas-max-lag, in effect whenever min-replicas-to-write is set without it. */
export const DEFAULT_MAX_LAG_S = 10;
/** How close (s) a window's end must be to an event to be said to have been ended by it. */
const NEAR_S = 1.0;

export interface ExplainSettings {
  /** The engine's label when it has no min-replicas-to-write (its engine folder says so): nothing bounds the window. */
  noMinReplicasGuard?: string;
  minReplicasToWrite?: number | undefined;
  minReplicasMaxLag?: number | undefined;
  /** WAIT <replicas>, when writes were confirmed with it. */
  waitReplicas?: number | undefined;
  waitTimeoutMs?: number | undefined;
  /** Client ops with an info outcome during the workload. */
  info?: number;
}

const s1 = (x: number) => `${x.toFixed(1)} s`;
const rel = (x: number) => `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(1)} s`;

/** The bound on an isolated primary's loss window the settings imply, or null when they imply none. */
export function impliedBoundS(s: ExplainSettings): number | null {
  if (!s.minReplicasToWrite || s.noMinReplicasGuard) return null;
  return (s.minReplicasMaxLag ?? DEFAULT_MAX_LAG_S) + REPLICA_ACK_PERIOD_S;
}

export type Mechanism = "min-replicas" | "failover" | "fault-end" | "after-heal" | "workload-end" | "unexplained";

/** Which mechanism ended one fault's loss window; null when nothing was lost. */
export function faultMechanism(f: FaultFigures, s: ExplainSettings): Mechanism | null {
  if (f.lostToS === null || f.lostFromS === null) return null;
  const lasted = f.heldS;
  const bound = impliedBoundS(s);
  const maxLag = s.minReplicasMaxLag ?? DEFAULT_MAX_LAG_S;
  const failoverAt = f.otherWriterFromS;
  const endedByFailover = failoverAt !== null && failoverAt >= f.lostToS && failoverAt - f.lostToS <= NEAR_S;
  if (
    bound !== null &&
    f.lostToS <= bound + NEAR_S / 2 &&
    maxLag < lasted &&
    !(endedByFailover && failoverAt! <= maxLag)
  )
    return "min-replicas";
  const healed = f.healedS ?? lasted;
  if (
    f.lostToS >= lasted - NEAR_S / 2 &&
    f.lostToS <= healed + NEAR_S / 2 &&
    (failoverAt === null || failoverAt >= lasted - NEAR_S / 2)
  )
    return "fault-end";
  if (endedByFailover) return "failover";
  // Clients never moved and the workload stopped while lost writes were still being acknowledged: the run itself
  // ended the window, so it is a lower bound.
  if (f.workloadEndS != null && failoverAt === null && f.workloadEndS - f.lostToS <= NEAR_S / 2) return "workload-end";
  if (f.lostToS > healed + NEAR_S / 2) return "after-heal";
  return "unexplained";
}

export const MECHANISM_WORDS: Record<Mechanism, string> = {
  "min-replicas": "min-replicas-to-write stopped the isolated primary",
  failover: "clients followed the failover",
  "fault-end": "the fault ended",
  "after-heal": "writes after the heal were lost too",
  "workload-end": "the workload ended with the window open",
  unexplained: "no mechanism fits",
};

/** Which mechanism ended one fault's loss window, in a sentence with its figures; null when nothing was lost. */
export function explainFault(f: FaultFigures, s: ExplainSettings): string | null {
  const mechanism = faultMechanism(f, s);
  if (mechanism === null) return null;
  const lostFromS = f.lostFromS!;
  const lostToS = f.lostToS!;
  const name = `${f.fault} ${f.n}`;
  const lasted = f.heldS;
  const head = `${name} (in place ${f.applyS.toFixed(1)} s after its start, for ${s1(lasted)}): writes acknowledged from ${rel(lostFromS)} to ${rel(lostToS)} after the cut were lost (${f.lostAcknowledged} of ${f.acknowledged})`;
  const maxLag = s.minReplicasMaxLag ?? DEFAULT_MAX_LAG_S;
  const failoverAt = f.otherWriterFromS;
  switch (mechanism) {
    case "min-replicas":
      return (
        `${head}; min-replicas-to-write ${s.minReplicasToWrite} ended it: the settings bound it at min-replicas-max-lag ${s1(maxLag)} + the replicas' ${s1(REPLICA_ACK_PERIOD_S)} ack period = ${s1(impliedBoundS(s)!)}, measured ${rel(lostToS)}` +
        (failoverAt !== null ? `, before clients reached ${f.otherWriter} at ${rel(failoverAt)}` : "")
      );
    case "fault-end":
      return (
        `${head}; it lasted until the ${f.fault} ended at ${rel(lasted)}: the cut-off primary acknowledged writes for the whole fault` +
        (failoverAt !== null ? `, and clients reached ${f.otherWriter} only at ${rel(failoverAt)}` : "")
      );
    case "after-heal":
      return (
        `${head}; the last ones were acknowledged after the ${f.fault} was healed (stop begun at ${rel(lasted)}, complete at ${rel(f.healedS ?? lasted)}), so the loss outlived the fault: the node that acknowledged them was not the one whose data survived even once the network was whole (as when a failover completes around the heal)` +
        (failoverAt !== null
          ? `; clients reached ${f.otherWriter} at ${rel(failoverAt)}`
          : "; clients never wrote to another node before the workload ended")
      );
    case "workload-end":
      return (
        `${head}; the window was still open when the workload stopped at ${rel(f.workloadEndS!)} (clients had not moved to another node), so ${s1(lostToS - lostFromS)} is a lower bound` +
        (lostToS > (f.healedS ?? lasted) + NEAR_S / 2
          ? `; the last lost writes came after the ${f.fault} was healed at ${rel(f.healedS ?? lasted)}`
          : "")
      );
    case "failover":
      return `${head}; it ended when clients followed the failover: ${f.otherWriter} acknowledged its first write at ${rel(failoverAt!)}, ${s1(failoverAt! - lostToS)} after the last lost one (${f.writerBefore} had been acknowledging before the fault)`;
    case "unexplained": {
      const elsewhere =
        failoverAt === null
          ? "no other node acknowledged a write after it began"
          : `${f.otherWriter} first acknowledged a write at ${rel(failoverAt)}`;
      return `${head}; the last lost write was acknowledged at ${rel(lostToS)}, and ${elsewhere}, so neither a failover nor the fault's end (${rel(lasted)}) explains the end`;
    }
  }
}

/** The run-level explanations: each fault's window, and what the settings could and could not have done. */
export function explainRun(
  m: Pick<SummaryMetrics, "faults" | "lossWindowS" | "lostAcknowledged" | "writeStallS">,
  s: ExplainSettings,
): string[] {
  const out: string[] = [];
  for (const f of m.faults) {
    const line = explainFault(f, s);
    if (line) out.push(line);
  }
  const bound = impliedBoundS(s);
  const maxLag = s.minReplicasMaxLag ?? DEFAULT_MAX_LAG_S;
  const lengths = m.faults.filter((f) => f.fault === "partition").map((f) => f.heldS);
  if (s.minReplicasToWrite && s.noMinReplicasGuard) {
    out.push(
      `min-replicas-to-write ${s.minReplicasToWrite} was asked for, but ${s.noMinReplicasGuard} has no such guard: nothing bounds an isolated primary's window`,
    );
  } else if (bound !== null && lengths.length) {
    const longest = Math.max(...lengths);
    if (maxLag >= longest) {
      out.push(
        `min-replicas-max-lag ${s1(maxLag)} is at or above the longest time a partition stood (${s1(longest)}): an isolated primary still counts its replicas as fresh for the whole partition, so min-replicas-to-write ${s.minReplicasToWrite} cannot stop it`,
      );
    } else if (m.lossWindowS !== null && m.lostAcknowledged) {
      const worst = Math.max(...m.faults.map((f) => f.lostToS ?? -Infinity));
      out.push(
        worst <= bound + NEAR_S / 2
          ? `every lost write was acknowledged by ${rel(worst)} after its cut, within the ${s1(bound)} the settings imply (max-lag ${s1(maxLag)} + ${s1(REPLICA_ACK_PERIOD_S)} ack period)`
          : `lost writes were acknowledged as late as ${rel(worst)} after a cut, beyond the ${s1(bound)} the settings imply (max-lag ${s1(maxLag)} + ${s1(REPLICA_ACK_PERIOD_S)} ack period)`,
      );
    }
  } else if (!s.minReplicasToWrite && !s.noMinReplicasGuard && m.lostAcknowledged && lengths.length) {
    out.push(
      `min-replicas-to-write is off, so nothing but a failover or the fault's end stops an isolated primary from acknowledging writes`,
    );
  }
  if (s.waitReplicas !== undefined && s.info !== undefined && s.info > 0) {
    out.push(
      `WAIT ${s.waitReplicas} (timeout ${s.waitTimeoutMs ?? "?"} ms) left ${s.info} write(s) indeterminate instead of acknowledged` +
        (m.writeStallS !== null ? `; the longest stretch without an acknowledged write was ${s1(m.writeStallS)}` : "") +
        (m.lostAcknowledged
          ? `, and ${m.lostAcknowledged} acknowledged write(s) were still lost`
          : ", and no acknowledged write was lost"),
    );
  }
  return out;
}

/** The settings explanations depend on, from a run's test.json (plan) and its info count. */
export function explainSettingsOf(
  plan:
    | {
        cluster?: {
          db?: string;
          settings?: { minReplicasToWrite?: number | undefined; minReplicasMaxLag?: number | undefined };
        };
        durability?: { kind: string; replicas?: number; timeoutMs?: number };
      }
    | undefined,
  info?: number,
): ExplainSettings {
  const s = plan?.cluster?.settings;
  const d = plan?.durability;
  const out: ExplainSettings = {};
  const db = plan?.cluster?.db;
  if (db !== undefined && isEngine(db) && !engineOf(db).minReplicasGuard) out.noMinReplicasGuard = engineOf(db).label;
  if (s?.minReplicasToWrite !== undefined) out.minReplicasToWrite = s.minReplicasToWrite;
  if (s?.minReplicasMaxLag !== undefined) out.minReplicasMaxLag = s.minReplicasMaxLag;
  if (d?.kind === "wait") {
    out.waitReplicas = d.replicas;
    out.waitTimeoutMs = d.timeoutMs;
  }
  if (info !== undefined) out.info = info;
  return out;
}
