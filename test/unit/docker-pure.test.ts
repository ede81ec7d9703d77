import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isValidRunId, labels, newRunId, RUN_LABEL, runFilter } from "../../src/docker/labels.js";
import { formatCidr, hostAddress, overlaps, parseCidr, pickSubnet } from "../../src/docker/subnet.js";
import { tarFiles, tarOneFile, untar } from "../../src/docker/tar.js";

describe("subnet picking", () => {
  it("parses and normalises CIDRs", () => {
    expect(formatCidr(parseCidr("10.1.2.3/24"))).toBe("10.1.2.0/24");
    expect(formatCidr(parseCidr("192.168.0.7"))).toBe("192.168.0.7/32");
    expect(() => parseCidr("10.1.2/24")).toThrow();
    expect(() => parseCidr("10.1.2.256/24")).toThrow();
  });

  it("detects overlap in both directions, including containment", () => {
    expect(overlaps(parseCidr("10.213.0.0/16"), parseCidr("10.213.7.0/24"))).toBe(true);
    expect(overlaps(parseCidr("10.213.7.0/24"), parseCidr("10.0.0.0/8"))).toBe(true);
    expect(overlaps(parseCidr("10.213.7.0/24"), parseCidr("10.213.8.0/24"))).toBe(false);
  });

  it("skips subnets in use, ignores IPv6 and garbage, and wraps from the start slot", () => {
    const used = ["10.213.5.0/24", "fd00::/64", "not a net", "10.213.6.17/32"];
    expect(formatCidr(pickSubnet(used, "10.213.0.0/16", 24, 5)!)).toBe("10.213.7.0/24");
    expect(formatCidr(pickSubnet(used, "10.213.0.0/16", 24, 255 + 256 * 3)!)).toBe("10.213.255.0/24");
    expect(formatCidr(pickSubnet([], "10.213.0.0/16", 24, 256)!)).toBe("10.213.0.0/24");
  });

  it("returns undefined when the pool is exhausted (a host route covering it counts)", () => {
    expect(pickSubnet(["10.0.0.0/8"], "10.213.0.0/16", 24)).toBeUndefined();
    expect(pickSubnet(["10.213.0.0/25"], "10.213.0.0/24", 24)).toBeUndefined();
  });

  it("numbers hosts within the net and refuses the network and broadcast addresses", () => {
    const net = parseCidr("10.213.9.0/24");
    expect(hostAddress(net, 1)).toBe("10.213.9.1");
    expect(hostAddress(net, 254)).toBe("10.213.9.254");
    expect(() => hostAddress(net, 0)).toThrow();
    expect(() => hostAddress(net, 255)).toThrow();
  });
});

describe("single-file tar", () => {
  it("round-trips content, including sizes on and off the 512-byte boundary", () => {
    for (const size of [0, 1, 511, 512, 513, 5000]) {
      const content = Buffer.alloc(size, 0x61 + (size % 26));
      const entries = untar(tarOneFile("redis.conf", content, 0o600));
      expect(entries).toHaveLength(1);
      expect(entries[0]!.name).toBe("redis.conf");
      expect(entries[0]!.type).toBe("0");
      expect(entries[0]!.content.equals(content)).toBe(true);
    }
  });

  it("writes a header whose checksum other tar readers accept", () => {
    const archive = tarOneFile("a.txt", Buffer.from("hi\n"));
    const header = archive.subarray(0, 512);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    expect(parseInt(header.subarray(148, 156).toString("latin1"), 8)).toBe(sum);
    expect(header.subarray(257, 262).toString("latin1")).toBe("ustar");
    expect(archive.length % 512).toBe(0);
  });

  it("refuses absolute and parent paths", () => {
    expect(() => tarOneFile("/etc/passwd", Buffer.alloc(1))).toThrow();
    expect(() => tarOneFile("../x", Buffer.alloc(1))).toThrow();
  });

  it("lays out directories and files in one archive that tar itself reads", () => {
    const conf = Buffer.from("port 6379\n");
    const archive = tarFiles([
      { name: "var/log/splitbrain", dir: true },
      { name: "etc/splitbrain/redis.conf", content: conf },
    ]);
    const entries = untar(archive);
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ["var/log/splitbrain/", "5"],
      ["etc/splitbrain/redis.conf", "0"],
    ]);
    expect(entries[1]!.content.equals(conf)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "splitbrain-tar-"));
    try {
      execFileSync("tar", ["-xf", "-", "-C", dir], { input: archive });
      expect(readFileSync(join(dir, "etc/splitbrain/redis.conf"), "utf8")).toBe("port 6379\n");
      expect(statSync(join(dir, "var/log/splitbrain")).isDirectory()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a truncated archive instead of returning short content", () => {
    const archive = tarOneFile("big", Buffer.alloc(2000, 1));
    expect(() => untar(archive.subarray(0, 1024))).toThrow(/truncated/);
  });
});

describe("run labels", () => {
  it("makes distinct, sortable, Docker-safe run ids", () => {
    const a = newRunId(new Date("2025-01-02T03:04:05.678Z"));
    expect(a).toMatch(/^20250102-030405-[0-9a-f]{6}$/);
    expect(isValidRunId(a)).toBe(true);
    expect(newRunId()).not.toBe(newRunId());
    expect(isValidRunId("Bad Id")).toBe(false);
  });

  it("always carries the run label, which extra labels cannot override", () => {
    expect(labels("r1", { "splitbrain.node": "n1", [RUN_LABEL]: "other" })).toEqual({
      "splitbrain.node": "n1",
      [RUN_LABEL]: "r1",
    });
    expect(runFilter("r1")).toEqual({ label: ["splitbrain.run=r1"] });
    expect(runFilter()).toEqual({ label: ["splitbrain.run"] });
  });
});
