import type { History, Op } from "../history/op.js";
import type { CheckResult } from "./checker.js";

/**
 * How a checker shows itself: its report section, its words in the verdict, its JUnit failure text and its share of
 * the run's figures. The report, metrics and compare read a saved results.json, so they reach a checker's kind by
 * the `checker` name stored there (src/checker/kinds.ts) and never name a checker themselves. Every member is
 * optional: a checker without one is shown generically (its reason and its evidence as JSON).
 */
export interface CheckerKind<R extends CheckResult = CheckResult> {
  /** The name the checker reports under (`Checker.name`, results.json's `checker`). */
  name: string;
  /**
   * The verdict rests only on the ops recorded, so it stands when the run was cut short. A checker without it needs
   * the run's final reads to confirm that writes survived: its `valid` on an incomplete run is capped at `unknown`.
   */
  judgesRecordedOpsOnly?: boolean;
  /** Its anomalies are lost or corrupted data, which the report's headline names first. */
  losesData?: boolean;
  /** The run figure (src/metrics/runMetrics.ts) that holds this checker's verdict merged over the run, if any. */
  verdictFigure?: string;
  /** The HTML body of its part of the report's Anomalies section; every string from the run goes through `esc`. */
  section?(r: R, t: OpMoments): string;
  /** Its anomalies in words: a phrase for the headline and a sentence for the reasons. */
  anomaly?(r: R, ctx: VerdictContext): AnomalyWords;
  /**
   * Plain-text lines under its verdict line in a run's text summary (results.json's `summary.lines`, which `run`,
   * `check` and `scenario` print): what the one-line reason cannot hold, such as every key left undecided.
   */
  summaryLines?(r: R): string[];
  /** Lines after the reason in a JUnit failure (plain text; junit.ts escapes it). */
  failureLines?(r: R): string[];
  /** Seconds the JUnit test case reports (the check's own time, where the checker records it). */
  junitSeconds?(r: R): number;
  /** Its share of the lost-write figures, for checkers that can tell acknowledged writes were lost. */
  losses?: LossFigures<R>;
}

/** Client ops' moments on the run's timeline (ns for timed histories, history lines otherwise), by invocation index. */
export interface OpMoments {
  timed: boolean;
  byIndex: ReadonlyMap<number, { start: number; end: number | undefined }>;
}

export interface AnomalyWords {
  phrase: string;
  detail: string;
}

export interface VerdictContext {
  t: OpMoments;
  /** Where writes acknowledged at these moments sit among faults and primary changes: " (acknowledged ...) after ..."; "" for none. */
  lossContext(ackedAt: number[]): string;
}

export interface LossFigures<R> {
  /** Writes acknowledged, in the unit lost ones are counted in (set elements, queue jobs, counter units). */
  acknowledged(r: R): number;
  /** Acknowledged writes missing, and writes missing that were only ever read, never acknowledged. */
  lost(r: R): { acknowledged: number; unacknowledged: number };
  /** Invocation indices of the acknowledged writes lost, to time them against faults; absent when none has one ack. */
  lostInvocations?(r: R, history: History): number[];
  /** Whether an invocation is a write it could call lost (loss windows' denominator); absent when none can be timed. */
  canBeLost?(op: Op): boolean;
}
