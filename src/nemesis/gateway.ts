/**
 * Where the test runner's traffic comes from, as a node sees it. On a local engine the runner talks to containers
 * from the host, and the host's address on a user-defined bridge network is that network's gateway; the node's
 * default route points at it. Reading /proc/net/route needs no tool in the node image.
 */

/** Parses /proc/net/route (hex, little-endian addresses) and returns the default gateway, if any. */
export function defaultGatewayFromProcRoute(text: string): string | undefined {
  for (const line of text.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 3) continue;
    const [, destination, gateway] = cols;
    if (destination !== "00000000" || gateway === undefined || !/^[0-9A-Fa-f]{8}$/.test(gateway)) continue;
    const n = parseInt(gateway, 16);
    if (n === 0) continue;
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join(".");
  }
  return undefined;
}
