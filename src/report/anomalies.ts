import { brief, esc } from "./html.js";

/**
 * The evidence of a checker no kind describes (src/checker/kinds.ts): each known checker renders its own section
 * next to it (src/checker/*.view.ts).
 */

/** Any other checker: its reason and its evidence as JSON, cut short. */
export function genericEvidence(result: Record<string, unknown>): string {
  return `<pre>${esc(brief(result, 4000))}</pre>`;
}
