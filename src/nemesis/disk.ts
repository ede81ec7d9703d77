/** Parsing `df -Pk <dir>` (POSIX output, so GNU and BusyBox agree): the bytes still available on that filesystem. */
export function availableBytesFromDf(text: string): number {
  const lines = text.trim().split("\n");
  const cols = (lines[lines.length - 1] ?? "").trim().split(/\s+/);
  // Filesystem, 1024-blocks, Used, Available, Capacity, Mounted on; a long device name may not wrap under -P.
  const available = Number(cols[3]);
  if (lines.length < 2 || cols.length < 6 || !Number.isInteger(available)) {
    throw new Error(`cannot read the free space from df's output: ${JSON.stringify(text.trim())}`);
  }
  return available * 1024;
}

export const BALLAST_NAME = ".splitbrain-ballast";
