import type { CheckResult } from "../checker/checker.js";
import { checkerKind } from "../checker/kinds.js";
import type { SummaryMetrics } from "../metrics/summary.js";
import type { RunResults, TestRecord } from "../rundir/record.js";

/**
 * JUnit XML for CI: one <testsuite> per run and one <testcase> per checker. An anomaly is a <failure> whose text
 * is the anomaly summary; `unknown` is an <error> (the run proved nothing, which a CI job must not take as a
 * pass); valid is a passing test case. Pure.
 */

export interface JunitRun {
  test: TestRecord;
  results: RunResults;
  /** Where the run directory is, so a failing test points at its report. */
  dir: string;
}

function xml(text: unknown): string {
  // Characters XML 1.0 cannot carry at all are dropped; the rest are escaped.
  return String(text)
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${x}`;

/** summary.metrics as properties named like the JSON fields, so CI dashboards can chart them run over run. */
export function metricProperties(results: RunResults): Array<[string, string]> {
  const m = (results.summary as { metrics?: SummaryMetrics } | undefined)?.metrics;
  if (!m) return [];
  const names = [
    "acknowledged",
    "lostAcknowledged",
    "lostFraction",
    "lossWindowS",
    "writeStallS",
    "availabilityOps",
    "availabilityTime",
  ] as const;
  const out: Array<[string, string]> = names
    .filter((n) => m[n] !== null && m[n] !== undefined)
    .map((n) => [`metrics.${n}`, String(m[n])]);
  for (const f of m.faults) {
    if (f.lostFromS !== null && f.lostToS !== null)
      out.push([`metrics.lossWindow.${f.fault}-${f.n}`, `${signed(f.lostFromS)}s..${signed(f.lostToS)}s`]);
  }
  return out;
}

/** A failure's text: the reason, then the evidence in the checker's own words (src/checker/kinds.ts). */
export function anomalySummary(checker: string, r: CheckResult): string {
  return [r.reason ?? "anomalies found", ...(checkerKind(checker).failureLines?.(r) ?? [])].join("\n");
}

export function junitXml(runs: readonly JunitRun[]): string {
  let tests = 0;
  let failures = 0;
  let errors = 0;
  const suites = runs.map(({ test, results, dir }) => {
    const p = test.plan;
    const suiteName = `splitbrain ${p.cluster.db} ${p.cluster.topology} ${p.workloads.join("+")} / ${p.nemeses.join("+") || "no faults"} (seed ${p.seed})`;
    let f = 0;
    let e = 0;
    const cases = results.checkers.map((c) => {
      const name = `${c.workload}/${c.checker}`;
      const seconds = checkerKind(c.checker).junitSeconds?.(c.result) ?? 0;
      const head = `    <testcase classname="${xml(`splitbrain.${p.cluster.db}.${p.cluster.topology}`)}" name="${xml(name)}" time="${seconds.toFixed(3)}">`;
      if (c.result.valid === false) {
        f++;
        return `${head}\n      <failure message="${xml(c.result.reason ?? "anomalies found")}" type="anomalies">${xml(anomalySummary(c.checker, c.result))}\n\nreport: ${xml(`${dir}/report.html`)}</failure>\n    </testcase>`;
      }
      if (c.result.valid === "unknown") {
        e++;
        return `${head}\n      <error message="${xml(`unknown: ${c.result.reason ?? "the checker could not decide"}`)}" type="unknown">${xml(c.result.reason ?? "")}</error>\n    </testcase>`;
      }
      return `${head}</testcase>`;
    });
    if (results.incomplete && results.checkers.length === 0) {
      e++;
      cases.push(
        `    <testcase classname="splitbrain" name="run"><error message="${xml(`incomplete: ${results.incomplete}`)}" type="unknown"/></testcase>`,
      );
    }
    tests += cases.length;
    failures += f;
    errors += e;
    const props = [
      ["run-id", test.runId],
      ["run-dir", dir],
      ["seed", String(p.seed)],
      ["command", `npx splitbrain ${test.command.join(" ")}`],
      ...(results.incomplete ? [["incomplete", results.incomplete]] : []),
      ...metricProperties(results),
    ];
    return (
      `  <testsuite name="${xml(suiteName)}" tests="${cases.length}" failures="${f}" errors="${e}" timestamp="${xml(test.startedAt.replace(/Z$/, ""))}">\n` +
      `    <properties>\n${props.map(([k, v]) => `      <property name="${xml(k)}" value="${xml(v)}"/>`).join("\n")}\n    </properties>\n` +
      `${cases.join("\n")}\n  </testsuite>`
    );
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="splitbrain" tests="${tests}" failures="${failures}" errors="${errors}">\n${suites.join("\n")}\n</testsuites>\n`;
}
