import type { DbName } from "../core/cluster.js";

export const SUITES = ["bookworm", "trixie", "sid"] as const;
export type Suite = (typeof SUITES)[number];

/**
 * How one engine's node image is made, as its engine folder declares it (src/db/<engine>/image.ts). The builders in
 * this folder take it as a parameter: src/image knows no engine by name.
 */
export interface NodeImage {
  /** The engine's name as image tags, labels and definitions carry it. */
  readonly engine: DbName;
  /** For people: "Redis". */
  readonly label: string;
  /** Debian packages the engine needs on top of the node packages. */
  readonly packages: readonly string[];
  /** The server binary whose `--version` names the image's version. */
  readonly serverBinary: string;
  /**
   * Engine versions each Debian suite carried when measured here (see issue 10). Only used to choose a suite for a
   * requested `--version`; the built image's label always records the version the binary itself reports.
   */
  readonly debianCarries: Partial<Record<Suite, string>>;
  /**
   * Suites of the same archive the engine's packages come from on top of the base suite (e.g. a backports suite).
   * debootstrap takes each package from the first suite that has it, so everything else still comes from the base.
   */
  readonly extraSuites?: Partial<Record<Suite, readonly string[]>>;
  /** The suite an offline build uses when neither --suite nor a version says otherwise. */
  readonly defaultSuite: Suite;
  /** The official image the online route builds on. */
  officialImage(version: string): string;
  /**
   * Present when Debian does not package the engine: the offline route takes the server from `--binary` instead,
   * put at `serverBinary`. `file` names the binary in messages ("<path to ...>").
   */
  readonly offlineBinary?: { file: string };
}
