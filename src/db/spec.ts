import type { DbName, TopologyName } from "../core/cluster.js";
import { type ClusterSpec, defaultGenericSpec } from "../topology/spec.js";
import { engineSpecDefaults } from "./engines.js";

/** A spec with every default filled in, the engines' own parts included, for callers that build specs in code. */
export function defaultSpec(
  partial: Partial<ClusterSpec> & { db?: DbName; topology?: TopologyName } = {},
): ClusterSpec {
  const defaults = engineSpecDefaults();
  const engines = Object.fromEntries(
    Object.keys(defaults).map((k) => [k, partial[k as keyof typeof defaults] ?? defaults[k as keyof typeof defaults]]),
  );
  return { ...defaultGenericSpec(partial), ...(engines as unknown as typeof defaults) };
}
