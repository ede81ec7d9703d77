/**
 * iptables scripts for the network faults, built as plain text so they are unit-tested without a kernel.
 *
 * Every rule lives in a chain of our own (SPLITBRAIN for partitions), jumped to from INPUT and OUTPUT. Healing flushes
 * that chain; tearing down also removes the jumps and the chain, so nothing of ours outlives a run. Scripts are
 * idempotent: applying twice, or healing a node that was never touched, is harmless. Rules live in the node's network
 * namespace, which belongs to the container, so they survive kills and restarts of the database process.
 */

export const PARTITION_CHAIN = "SPLITBRAIN";
export const LOSS_CHAIN = "SPLITBRAIN_LOSS";

/**
 * One drop rule. `from` matches inbound packets by source (reached via INPUT), `to` outbound packets by destination
 * (reached via OUTPUT). A probability below 1 drops that share at random (the `statistic` match).
 */
export type DropRule = { from: string; probability?: number } | { to: string; probability?: number };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Addresses end up in a shell script, so only well-formed IPv4 addresses are let through. */
export function assertIpv4(address: string): string {
  const m = IPV4.exec(address);
  if (m === null || m.slice(1).some((o) => Number(o) > 255)) {
    throw new Error(`"${address}" is not an IPv4 address; refusing to put it into an iptables rule`);
  }
  return address;
}

function assertChain(chain: string): string {
  if (!/^[A-Z][A-Z0-9_]{0,27}$/.test(chain)) throw new Error(`bad chain name "${chain}"`);
  return chain;
}

export function ruleArgs(chain: string, rule: DropRule): string[] {
  const args = ["-A", assertChain(chain)];
  if ("from" in rule) args.push("-s", assertIpv4(rule.from));
  else args.push("-d", assertIpv4(rule.to));
  if (rule.probability !== undefined && rule.probability < 1) {
    if (!(rule.probability > 0)) throw new Error(`drop probability must be in (0, 1], got ${rule.probability}`);
    // iptables prints probabilities with 11 decimals; fixed notation keeps 1e-7 from becoming an invalid "1e-7".
    args.push("-m", "statistic", "--mode", "random", "--probability", rule.probability.toFixed(6));
  }
  args.push("-j", "DROP");
  return args;
}

const IPT = "iptables -w";

/** Creates the chain and the two jumps unless they exist, then replaces the chain's rules with `rules`. */
export function applyScript(chain: string, rules: readonly DropRule[]): string {
  const c = assertChain(chain);
  return [
    "set -e",
    `${IPT} -n -L ${c} >/dev/null 2>&1 || ${IPT} -N ${c}`,
    `${IPT} -C INPUT -j ${c} 2>/dev/null || ${IPT} -I INPUT 1 -j ${c}`,
    `${IPT} -C OUTPUT -j ${c} 2>/dev/null || ${IPT} -I OUTPUT 1 -j ${c}`,
    `${IPT} -F ${c}`,
    ...rules.map((r) => `${IPT} ${ruleArgs(c, r).join(" ")}`),
  ].join("\n");
}

/** Heal: empty the chain (if it exists), keeping the jumps for the next start. */
export function flushScript(chain: string): string {
  const c = assertChain(chain);
  return `if ${IPT} -n -L ${c} >/dev/null 2>&1; then ${IPT} -F ${c}; fi`;
}

/** Tear-down: empty the chain, remove every jump to it, delete it. Exits non-zero if anything of ours remains. */
export function removeScript(chain: string): string {
  const c = assertChain(chain);
  return [
    `if ${IPT} -n -L ${c} >/dev/null 2>&1; then`,
    `  ${IPT} -F ${c}`,
    `  while ${IPT} -D INPUT -j ${c} 2>/dev/null; do :; done`,
    `  while ${IPT} -D OUTPUT -j ${c} 2>/dev/null; do :; done`,
    `  ${IPT} -X ${c}`,
    "fi",
    `! ${IPT} -n -L ${c} >/dev/null 2>&1`,
  ].join("\n");
}

/** Prints every rule that mentions one of our chains (`iptables -S` lines); empty output means nothing is left. */
export function leftoverScript(): string {
  return `${IPT} -S | grep SPLITBRAIN || true`;
}

/** Succeeds where iptables exists and the container may change rules (it needs the NET_ADMIN capability). */
export function probeScript(): string {
  return `${IPT} -n -L INPUT >/dev/null`;
}
