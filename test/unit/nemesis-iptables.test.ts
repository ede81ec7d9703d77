import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultGatewayFromProcRoute } from "../../src/nemesis/gateway.js";
import {
  applyScript,
  assertIpv4,
  flushScript,
  LOSS_CHAIN,
  leftoverScript,
  PARTITION_CHAIN,
  removeScript,
  ruleArgs,
} from "../../src/nemesis/iptables.js";
import { ROUTE_TABLE } from "./nemesis-fakes.js";

/**
 * A stand-in for iptables with the semantics our scripts rely on: chains must exist before use, -C/-D fail when the
 * rule is absent, -X fails on a referenced or non-empty chain, a jump needs an existing chain. Rules are lines in
 * one file per chain, so the test can read the end state.
 */
const FAKE_IPTABLES = `#!/bin/sh
d="$FAKE_IPT_DIR"
[ "$1" = "-w" ] && shift
[ "$1" = "-n" ] && shift
op="$1"; shift
if [ "$op" = "-S" ]; then
  for f in "$d"/*; do c=$(basename "$f"); case $c in INPUT|OUTPUT) ;; *) echo "-N $c";; esac
    while IFS= read -r r; do echo "-A $c $r"; done < "$f"; done
  exit 0
fi
chain="$1"; shift
[ "$op" = "-I" ] && [ "$1" = "1" ] && shift
rule="$*"
has_chain() { [ -e "$d/$1" ]; }
target_ok() { t=$(echo "$rule" | sed -n 's/.*-j \\([A-Z_]*\\).*/\\1/p'); [ "$t" = DROP ] || [ "$t" = ACCEPT ] || has_chain "$t"; }
case "$op" in
  -N) has_chain "$chain" && { echo "iptables: Chain already exists." >&2; exit 1; }; : > "$d/$chain" ;;
  -L) has_chain "$chain" || { echo "iptables: No chain/target/match by that name." >&2; exit 1; } ;;
  -C) has_chain "$chain" && grep -qxF -- "$rule" "$d/$chain" || exit 1 ;;
  -I) has_chain "$chain" && target_ok || exit 1; { echo "$rule"; cat "$d/$chain"; } > "$d/.t"; mv "$d/.t" "$d/$chain" ;;
  -A) has_chain "$chain" && target_ok || exit 1; echo "$rule" >> "$d/$chain" ;;
  -D) has_chain "$chain" && grep -qxF -- "$rule" "$d/$chain" || exit 1
      awk -v r="$rule" 'done || $0 != r { print; next } { done = 1 }' "$d/$chain" > "$d/.t"; mv "$d/.t" "$d/$chain" ;;
  -F) has_chain "$chain" || exit 1; : > "$d/$chain" ;;
  -X) has_chain "$chain" || exit 1; [ -s "$d/$chain" ] && exit 1
      grep -qx -- "-j $chain" "$d/INPUT" "$d/OUTPUT" && { echo "iptables: Too many links." >&2; exit 1; }
      rm "$d/$chain" ;;
  *) echo "fake iptables: unsupported $op" >&2; exit 2 ;;
esac
`;

let dir = "";
let state = "";

function run(script: string): { code: number; out: string } {
  try {
    const out = execFileSync("sh", ["-c", script], {
      env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, FAKE_IPT_DIR: state },
      encoding: "utf8",
    });
    return { code: 0, out };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}

function rules(): string[] {
  return run("iptables -w -S")
    .out.trim()
    .split("\n")
    .filter((l) => l.length > 0);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "splitbrain-ipt-"));
  execFileSync("mkdir", ["-p", join(dir, "bin"), join(dir, "state")]);
  state = join(dir, "state");
  writeFileSync(join(dir, "bin", "iptables"), FAKE_IPTABLES);
  chmodSync(join(dir, "bin", "iptables"), 0o755);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reset(): void {
  execFileSync("sh", ["-c", `rm -f "${state}"/* && : > "${state}/INPUT" && : > "${state}/OUTPUT"`]);
}

describe("rule construction", () => {
  it("drops inbound by source, outbound by destination, optionally at random", () => {
    expect(ruleArgs("SPLITBRAIN", { from: "172.18.0.3" })).toEqual([
      "-A",
      "SPLITBRAIN",
      "-s",
      "172.18.0.3",
      "-j",
      "DROP",
    ]);
    expect(ruleArgs("SPLITBRAIN_LOSS", { to: "10.0.0.1", probability: 0.25 })).toEqual([
      "-A",
      "SPLITBRAIN_LOSS",
      "-d",
      "10.0.0.1",
      "-m",
      "statistic",
      "--mode",
      "random",
      "--probability",
      "0.250000",
      "-j",
      "DROP",
    ]);
    expect(ruleArgs("SPLITBRAIN", { from: "10.0.0.1", probability: 1 })).not.toContain("statistic");
  });

  it("lets only IPv4 addresses and our chain names into scripts", () => {
    expect(assertIpv4("192.168.1.255")).toBe("192.168.1.255");
    for (const bad of ["256.1.1.1", "1.2.3", "1.2.3.4; reboot", "$(id)", ""])
      expect(() => assertIpv4(bad)).toThrow(/IPv4/);
    expect(() => applyScript("bad chain", [])).toThrow(/chain/);
    expect(() => ruleArgs("SPLITBRAIN", { from: "1.2.3.4", probability: 0 })).toThrow(/probability/);
  });
});

describe("scripts against a stand-in iptables", () => {
  it("apply hooks the chain into INPUT and OUTPUT once, and replaces its rules", () => {
    reset();
    expect(run(applyScript(PARTITION_CHAIN, [{ from: "172.18.0.3" }, { from: "172.18.0.4" }])).code).toBe(0);
    expect(run(applyScript(PARTITION_CHAIN, [{ from: "172.18.0.5" }])).code).toBe(0);
    expect(rules()).toEqual([
      "-A INPUT -j SPLITBRAIN",
      "-A OUTPUT -j SPLITBRAIN",
      "-N SPLITBRAIN",
      "-A SPLITBRAIN -s 172.18.0.5 -j DROP",
    ]);
  });

  it("flush empties the chain and is harmless where nothing was applied", () => {
    reset();
    expect(run(flushScript(PARTITION_CHAIN)).code).toBe(0);
    run(applyScript(PARTITION_CHAIN, [{ from: "172.18.0.3" }]));
    expect(run(flushScript(PARTITION_CHAIN)).code).toBe(0);
    expect(run(flushScript(PARTITION_CHAIN)).code).toBe(0);
    expect(rules()).toEqual(["-A INPUT -j SPLITBRAIN", "-A OUTPUT -j SPLITBRAIN", "-N SPLITBRAIN"]);
  });

  it("remove leaves nothing of ours, twice in a row, even with duplicated jumps, and spares the other chain", () => {
    reset();
    run(applyScript(PARTITION_CHAIN, [{ from: "172.18.0.3" }]));
    run(applyScript(LOSS_CHAIN, [{ to: "172.18.0.3", probability: 0.5 }]));
    run("iptables -w -I INPUT 1 -j SPLITBRAIN");
    expect(run(removeScript(PARTITION_CHAIN)).code).toBe(0);
    expect(run(removeScript(PARTITION_CHAIN)).code).toBe(0);
    expect(rules().filter((r) => /SPLITBRAIN\b(?!_)/.test(r))).toEqual([]);
    expect(rules()).toContain(
      "-A SPLITBRAIN_LOSS -d 172.18.0.3 -m statistic --mode random --probability 0.500000 -j DROP",
    );
    expect(run(removeScript(LOSS_CHAIN)).code).toBe(0);
    expect(run(leftoverScript()).out).toBe("");
  });

  it("a failing rule makes apply fail instead of leaving a half-applied partition unnoticed", () => {
    reset();
    const script = applyScript(PARTITION_CHAIN, [{ from: "172.18.0.3" }]).replace("-j DROP", "-j NOSUCHCHAIN");
    expect(run(script).code).not.toBe(0);
  });
});

describe("the runner's address", () => {
  it("is the default gateway from /proc/net/route", () => {
    expect(defaultGatewayFromProcRoute(ROUTE_TABLE)).toBe("172.18.0.1");
    expect(defaultGatewayFromProcRoute("Iface\tDestination\tGateway\neth0\t000012AC\t00000000\n")).toBeUndefined();
    expect(defaultGatewayFromProcRoute("")).toBeUndefined();
  });
});
