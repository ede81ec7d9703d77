import type { RedisClient, Workload } from "../../workloads/workload.js";
import { connectClient, whenReady } from "../client/connect.js";
import type { Durability } from "../client/durability.js";
import { Session } from "../client/session.js";
import type { Endpoints } from "../core/cluster.js";
import { SeededRng } from "../core/rng.js";
import type { Op } from "../history/op.js";
import type { HistoryWriter } from "../history/writer.js";
import type { Clock } from "./clock.js";
import { opDeadlineMs, perform } from "./perform.js";
import type { RunCounts } from "./progress.js";

export interface ClientPoolOptions {
  endpoints: Endpoints;
  slots: readonly string[];
  workloads: ReadonlyMap<string, Workload>;
  opTimeoutMs: number;
  durability: Durability;
  rate: number | undefined;
  seed: number;
  clock: Clock;
  history: HistoryWriter;
  counts: RunCounts;
  /** Put before every key the workloads send (an existing deployment's run prefix); absent: keys as they are. */
  keyPrefix?: string;
  /** Maps a connection's host:port to a node name for the op's `node` field. */
  nodeName(address: string | undefined): string | undefined;
}

/**
 * The client processes of a run, Jepsen-style: each slot runs one op at a time; after an indeterminate (`info`)
 * op its process is retired and the slot continues as process + concurrency on a fresh connection, because the
 * old connection may still deliver the op at any later time.
 */
export class ClientPool {
  private readonly nextProcess: number[];
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly clients = new Set<RedisClient>();
  /** One session per client connection, reused op after op (a process and its connection are retired together). */
  private readonly sessions = new WeakMap<RedisClient, Session>();
  /** Node name per host:port: fixed for a run, and asked on every op. */
  private readonly names = new Map<string, string | undefined>();
  private readonly deadlineMs: number;

  constructor(private readonly o: ClientPoolOptions) {
    this.nextProcess = o.slots.map((_, i) => i);
    const waitMs = o.durability.kind === "primary" ? 0 : o.durability.timeoutMs;
    this.deadlineMs = opDeadlineMs(o.opTimeoutMs, waitMs);
  }

  start(): void {
    for (let slot = 0; slot < this.o.slots.length; slot++) this.loops.push(this.loop(slot));
  }

  /** Stops issuing new ops and waits for those in flight (each is bounded by its deadline). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const c of this.clients) c.disconnect();
    this.clients.clear();
  }

  /** A fresh process id for the slot, as if its previous process had been retired. */
  takeProcess(slot: number): number {
    const p = this.nextProcess[slot]!;
    this.nextProcess[slot] = p + this.o.slots.length;
    return p;
  }

  /**
   * Runs `invocations` of a workload sequentially on a fresh process of one of its slots (final reads). Returns
   * how many completed `ok`.
   */
  async runOnce(
    workloadName: string,
    invocations: ReadonlyArray<{ f: string; key?: string | number; value?: unknown }>,
  ): Promise<number> {
    const slot = this.o.slots.indexOf(workloadName);
    const workload = this.o.workloads.get(workloadName)!;
    let process = this.takeProcess(slot);
    let client = await this.connect();
    let oks = 0;
    for (const inv of invocations) {
      const { type } = await this.one(process, client, workload, inv);
      if (type === "ok") oks++;
      if (type === "info") {
        client.disconnect();
        this.clients.delete(client);
        process = this.takeProcess(slot);
        client = await this.connect();
      }
    }
    client.disconnect();
    this.clients.delete(client);
    return oks;
  }

  private async connect(): Promise<RedisClient> {
    const client = connectClient(this.o.endpoints, { opTimeoutMs: this.o.opTimeoutMs });
    this.clients.add(client);
    // Not ready yet is not an error: ops issued meanwhile are refused before sending (fail) and recorded as such.
    await whenReady(client, Math.max(2000, this.o.opTimeoutMs)).catch(() => undefined);
    return client;
  }

  private async loop(slot: number): Promise<void> {
    const workload = this.o.workloads.get(this.o.slots[slot]!)!;
    const rng = new SeededRng((this.o.seed + slot * 0x9e3779b1) >>> 0);
    const minGapNs = this.o.rate ? 1e9 / this.o.rate : 0;
    let process = this.takeProcess(slot);
    let client = await this.connect();
    let lastStart = -Infinity;
    let refusedInARow = 0;
    while (!this.stopping) {
      if (minGapNs > 0) {
        const waitNs = lastStart + minGapNs - this.o.clock.now();
        if (waitNs > 0) await sleep(waitNs / 1e6);
        if (this.stopping) break;
      }
      if (minGapNs > 0) lastStart = this.o.clock.now();
      const { type, refused } = await this.one(process, client, workload, workload.next(process, rng));
      if (type === "info") {
        client.disconnect();
        this.clients.delete(client);
        process = this.takeProcess(slot);
        client = await this.connect();
      }
      // A cluster that refuses everything (no primary, disk full) answers in microseconds; back off a little so
      // the history records the outage without millions of identical failures. A fail the workload answered (a
      // CAS that found another value) is a normal round trip and needs no back-off.
      refusedInARow = refused ? refusedInARow + 1 : 0;
      if (refusedInARow > 0) await sleep(Math.min(5 * refusedInARow, 100));
    }
    client.disconnect();
    this.clients.delete(client);
  }

  private nameOf(address: string | undefined): string | undefined {
    if (address === undefined) return this.o.nodeName(undefined);
    const cached = this.names.get(address);
    if (cached !== undefined || this.names.has(address)) return cached;
    const name = this.o.nodeName(address);
    this.names.set(address, name);
    return name;
  }

  private async one(
    process: number,
    client: RedisClient,
    workload: Workload,
    inv: { f: string; key?: string | number; value?: unknown },
  ): Promise<{ type: Op["type"]; refused: boolean }> {
    const { history, clock, counts } = this.o;
    // Built field by field in the history file's order (index, time, process, type, f, key, value, error, node), so
    // the writer can serialise it as it is (HistoryWriter.record): this runs twice per op.
    const invoke: Op = { index: -1, time: clock.now(), process, type: "invoke", f: inv.f };
    if (inv.key !== undefined) invoke.key = inv.key;
    if (inv.value !== undefined) invoke.value = inv.value;
    history.record(invoke);
    let session = this.sessions.get(client);
    if (session === undefined) {
      session = new Session(client, {
        opTimeoutMs: this.o.opTimeoutMs,
        durability: this.o.durability,
        ...(this.o.keyPrefix ? { keyPrefix: this.o.keyPrefix } : {}),
      });
      this.sessions.set(client, session);
    }
    const out = await perform(session, workload, inv, this.deadlineMs);
    const done: Op = { index: -1, time: clock.now(), process, type: out.type, f: inv.f };
    if (inv.key !== undefined) done.key = inv.key;
    // An ok op carries what it observed; a failed or indeterminate one carries what it tried to do.
    const value = out.type === "ok" ? (out.value !== undefined ? out.value : inv.value) : inv.value;
    if (value !== undefined) done.value = value;
    if (out.error !== undefined) done.error = out.error;
    const node = this.nameOf(out.node);
    if (node !== undefined) done.node = node;
    history.record(done);
    counts[out.type as "ok" | "fail" | "info"]++;
    return { type: out.type, refused: out.refused === true };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
