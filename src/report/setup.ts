import type { RunMetrics } from "../metrics/runMetrics.js";
import { serverVersions, type TestRecord } from "../rundir/record.js";
import { at, brief, count, esc, ms, percent } from "./html.js";
import type { FaultInterval, Timeline } from "./timeline.js";

/** "What ran": everything needed to understand and reproduce the run, from test.json alone. */

/** Quotes an argument for a POSIX shell only when it needs it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function reproduceCommand(test: TestRecord): string {
  const args = test.command.length ? test.command : ["run"];
  const withSeed = args.includes("--seed") ? args : [...args, "--seed", String(test.plan.seed)];
  return `npx splitbrain ${withSeed.map(shellQuote).join(" ")}`;
}

function dflt(v: unknown): string {
  return v === undefined ? `<span class="note">engine default</span>` : esc(String(v));
}

/**
 * An existing deployment: its shape and settings are what the server said, not what a plan asked for, so the
 * planned rows give way to a "target" row and the settings read from it (or that they could not be read).
 */
function existingRows(test: TestRecord, rows: Array<[string, string]>): void {
  const e = test.plan.existing!;
  const rec = (
    test.cluster as
      | { existing?: { settings?: Record<string, string>; settingsNotReadable?: string[]; keyPrefix?: string } }
      | undefined
  )?.existing;
  const where = e.endpoint ?? e.addresses.map((a) => `${a.host}:${a.port}`).join(", ");
  const drop = new Set([
    "topology",
    "appendonly / appendfsync",
    "save (RDB)",
    "min-replicas-to-write / max-lag",
    "maxmemory / policy",
    "repl-backlog-size",
  ]);
  for (let i = rows.length - 1; i >= 0; i--) if (drop.has(rows[i]![0])) rows.splice(i, 1);
  rows.splice(1, 0, [
    "target",
    esc(
      `existing deployment, not started by splitbrain: ${e.kind}${e.masterName ? ` "${e.masterName}"` : ""} at ${where}${e.tls ? " (TLS)" : ""}${e.username ? `, user ${e.username}` : ""}; keys under "${rec?.keyPrefix ?? e.keyPrefix ?? "?"}", removed at the end${test.plan.keep ? " unless --keep (kept)" : ""}`,
    ),
  ]);
  const settings = rec?.settings ?? {};
  rows.splice(2, 0, [
    "settings (read from the server)",
    Object.keys(settings).length
      ? esc(
          Object.entries(settings)
            .map(([k, v]) => `${k} ${v === "" ? '""' : v}`)
            .join("; "),
        )
      : `<span class="note">not readable</span>`,
  ]);
  if (rec?.settingsNotReadable?.length)
    rows.splice(3, 0, ["not readable (CONFIG GET refused)", esc(rec.settingsNotReadable.join(", "))]);
}

export function setupSection(
  test: TestRecord,
  t: Timeline,
  m: RunMetrics | undefined,
  describeFault: (f: FaultInterval) => string,
): string {
  const p = test.plan;
  const s = p.cluster.settings;
  const d = p.durability;
  const rows: Array<[string, string]> = [
    ["database", esc(serverVersions(test))],
    [
      "topology",
      esc(
        `${p.cluster.topology}, ${p.cluster.replicas} replica(s)` +
          (p.cluster.topology === "sentinel"
            ? `; ${p.cluster.sentinel.count} Sentinels${p.cluster.sentinel.colocated ? " (co-located)" : ""}, quorum ${p.cluster.sentinel.quorum}, down-after ${p.cluster.sentinel.downAfterMs} ms, failover-timeout ${p.cluster.sentinel.failoverTimeoutMs} ms`
            : "") +
          (p.cluster.topology === "cluster" ? `; cluster-node-timeout ${p.cluster.clusterNodeTimeoutMs} ms` : ""),
      ),
    ],
    [
      "write acknowledgement",
      esc(
        d.kind === "primary"
          ? "the primary's reply (no WAIT)"
          : d.kind === "wait"
            ? `WAIT ${d.replicas} replica(s), timeout ${d.timeoutMs} ms`
            : `WAITAOF ${d.local} ${d.replicas}, timeout ${d.timeoutMs} ms`,
      ),
    ],
    [
      "appendonly / appendfsync",
      `${dflt(s.appendonly === undefined ? undefined : s.appendonly ? "yes" : "no")} / ${dflt(s.appendfsync)}`,
    ],
    ["save (RDB)", s.save === "" ? "disabled" : dflt(s.save)],
    ["min-replicas-to-write / max-lag", `${dflt(s.minReplicasToWrite)} / ${dflt(s.minReplicasMaxLag)}`],
    ["maxmemory / policy", `${dflt(s.maxmemory)} / ${dflt(s.maxmemoryPolicy)}`],
    ["repl-backlog-size", dflt(s.replBacklogSize)],
  ];
  if (s.extra.length) rows.push(["extra config", esc(s.extra.map(([k, v]) => `${k} ${v}`).join("; "))]);
  if (p.existing) existingRows(test, rows);
  rows.push(
    [
      "workloads",
      esc(
        `${p.workloads.join(", ")}; ${p.concurrency} clients${p.keys !== undefined ? `, ${p.keys} keys` : ""}${p.rate !== undefined ? `, ${p.rate} ops/s each` : ""}; op timeout ${p.opTimeoutMs} ms`,
      ),
    ],
    [
      "time",
      esc(`${p.timeLimitMs / 1000} s of workload, ${p.recoveryMs / 1000} s recovery; started ${test.startedAt}`),
    ],
    [
      "faults",
      esc(
        p.nemeses.length
          ? `${p.nemeses.join(", ")} (${p.nemesisMode}, every ${p.nemesisIntervalMs / 1000} s)${Object.keys(p.nemesisOptions).length ? `; options ${brief(p.nemesisOptions, 200)}` : ""}`
          : "none",
      ),
    ],
    [
      "fault intervals (recorded)",
      t.faults.length
        ? t.faults
            .map((f) =>
              esc(
                `${describeFault(f)}: ${at(f.from, t.timed)} – ${at(f.to, t.timed)}${f.closedBy !== "stop" ? ` (no stop recorded; closed at the ${f.closedBy})` : ""}`,
              ),
            )
            .join("<br>")
        : "none",
    ],
    ["seed", esc(String(p.seed))],
    ["run id", esc(test.runId)],
    ["tool", esc(`${test.tool.name} ${test.tool.version}`)],
  );
  const figures = m
    ? `<p class="figures"><span><b>${count(m.ops)}</b> ops</span><span><b>${percent(m.availability ?? undefined)}</b> ok</span>` +
      `<span>${count(m.ok)} ok · ${count(m.fail)} fail · ${count(m.info)} info</span>` +
      (m.latency
        ? `<span>latency p50 <b>${ms(m.latency.p50)}</b> · p99 <b>${ms(m.latency.p99)}</b> · max ${ms(m.latency.max)}</span>`
        : "") +
      (m.throughput !== null ? `<span><b>${count(m.throughput)}</b> ok ops/s</span>` : "") +
      (m.lostAcknowledged !== null
        ? `<span><b>${count(m.lostAcknowledged)}</b> acknowledged writes lost${m.lostIsLowerBound ? " (at least)" : ""}</span>`
        : "") +
      `</p>`
    : "";
  return (
    figures +
    `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}<td>${v}`).join("\n")}</table>` +
    `<p>Reproduce: <code class="cmd">${esc(reproduceCommand(test))}</code></p>`
  );
}
