/**
 * IPv4 subnet arithmetic for picking a run's private network. Pure: the caller passes in what is already in use
 * (Docker networks' subnets, the host's interface addresses).
 */

export interface Ipv4Net {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

export function parseIpv4(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${text}`);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) throw new Error(`not an IPv4 address: ${text}`);
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/p"; the host bits are cleared, so "10.1.2.3/24" is the net 10.1.2.0/24. */
export function parseCidr(text: string): Ipv4Net {
  const [addr, len] = text.split("/");
  const prefix = len === undefined ? 32 : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not an IPv4 CIDR: ${text}`);
  return { base: (parseIpv4(addr!) & mask(prefix)) >>> 0, prefix };
}

export function formatCidr(net: Ipv4Net): string {
  return `${formatIpv4(net.base)}/${net.prefix}`;
}

export function overlaps(a: Ipv4Net, b: Ipv4Net): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask(p)) >>> 0 === (b.base & mask(p)) >>> 0;
}

/**
 * The first /`prefix` inside `pool` that overlaps nothing in `used`, scanning from slot `start` (wrapping), so
 * parallel runs that start from different slots rarely race for the same subnet. Unparseable entries of `used`
 * (IPv6, garbage) are ignored: they cannot clash with an IPv4 subnet.
 */
export function pickSubnet(used: readonly string[], pool: string, prefix: number, start = 0): Ipv4Net | undefined {
  const p = parseCidr(pool);
  if (prefix < p.prefix) throw new Error(`prefix /${prefix} is larger than the pool ${pool}`);
  const taken: Ipv4Net[] = [];
  for (const u of used) {
    try {
      taken.push(parseCidr(u));
    } catch {
      // not IPv4
    }
  }
  const slots = 2 ** (prefix - p.prefix);
  const size = 2 ** (32 - prefix);
  for (let k = 0; k < slots; k++) {
    const slot = ((((start % slots) + slots) % slots) + k) % slots;
    const candidate: Ipv4Net = { base: p.base + slot * size, prefix };
    if (!taken.some((t) => overlaps(t, candidate))) return candidate;
  }
  return undefined;
}

/** The n-th address of a net (0 is the network address itself). */
export function hostAddress(net: Ipv4Net, n: number): string {
  const size = 2 ** (32 - net.prefix);
  if (n <= 0 || n >= size - 1) throw new Error(`host ${n} is outside ${formatCidr(net)}`);
  return formatIpv4(net.base + n);
}
