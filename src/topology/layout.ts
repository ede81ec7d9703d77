import { CLUSTER_SHARDS, type ClusterSpec } from "./spec.js";

/** Ports are fixed per node: every node has its own address, so there is nothing to gain from varying them. */
export const DB_PORT = 6379;
export const SENTINEL_PORT = 26379;
/** Redis Cluster's bus port is the data port + 10000. */
export const CLUSTER_BUS_PORT = DB_PORT + 10_000;
/** The master name Sentinels monitor and clients ask for. */
export const MASTER_NAME = "splitbrain";

/** Redis Cluster's 16384 slots, split as evenly as possible between shards (the same split redis-cli makes). */
export const CLUSTER_SLOTS = 16384;

/**
 * One node of a planned topology, before any container exists. `address` is the 1-based index the network turns
 * into an IP (n1 -> 1); Sentinel-only nodes come after the data nodes.
 */
export interface NodePlan {
  name: string;
  kind: "data" | "sentinel";
  address: number;
  port: number;
  /** Role at start; failovers change it later, which is why clusters are asked, not this plan. */
  role: "primary" | "replica" | "sentinel";
  /** For a replica: the data node it first replicates from. */
  replicaOf: string | undefined;
  /** Shard number (0-based); every data node outside cluster topology is in shard 0. */
  shard: number;
  /** A Sentinel process runs in this node (a Sentinel-only node, or a data node with co-located Sentinels). */
  runsSentinel: boolean;
  /** For shard primaries in cluster topology: the slots they own at start, as inclusive ranges. */
  slots: Array<[number, number]>;
}

/** Inclusive slot ranges for `shards` primaries. */
export function slotRanges(shards: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < shards; i++) {
    const lo = i === 0 ? 0 : out[i - 1]![1] + 1;
    const hi = i === shards - 1 ? CLUSTER_SLOTS - 1 : Math.round(((i + 1) * CLUSTER_SLOTS) / shards - 1);
    out.push([lo, hi]);
  }
  return out;
}

/**
 * The nodes a spec asks for. Data nodes are n1..nK (primaries first: n1 in a single shard, n1..n3 in cluster
 * topology, with each shard's replicas assigned round-robin after them), Sentinel-only nodes s1..sM.
 */
export function planLayout(spec: ClusterSpec): NodePlan[] {
  const shards = spec.topology === "cluster" ? CLUSTER_SHARDS : 1;
  const replicas = spec.topology === "single" ? 0 : spec.replicas;
  const ranges = spec.topology === "cluster" ? slotRanges(shards) : [];
  const plans: NodePlan[] = [];
  let address = 0;
  for (let s = 0; s < shards; s++) {
    address++;
    plans.push({
      name: `n${address}`,
      kind: "data",
      address,
      port: DB_PORT,
      role: "primary",
      replicaOf: undefined,
      shard: s,
      runsSentinel: false,
      slots: ranges[s] ? [ranges[s]!] : [],
    });
  }
  for (let r = 0; r < replicas; r++) {
    for (let s = 0; s < shards; s++) {
      address++;
      plans.push({
        name: `n${address}`,
        kind: "data",
        address,
        port: DB_PORT,
        role: "replica",
        replicaOf: `n${s + 1}`,
        shard: s,
        runsSentinel: false,
        slots: [],
      });
    }
  }
  if (spec.topology === "sentinel") {
    if (spec.sentinel.colocated) {
      for (const p of plans.slice(0, spec.sentinel.count)) p.runsSentinel = true;
    } else {
      for (let i = 1; i <= spec.sentinel.count; i++) {
        address++;
        plans.push({
          name: `s${i}`,
          kind: "sentinel",
          address,
          port: SENTINEL_PORT,
          role: "sentinel",
          replicaOf: undefined,
          shard: 0,
          runsSentinel: true,
          slots: [],
        });
      }
    }
  }
  return plans;
}
