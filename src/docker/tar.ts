/**
 * Just enough of the ustar format to move single files in and out of containers through Docker's archive API
 * (PUT/GET /containers/{id}/archive), which speaks only tar. Pure: buffers in, buffers out.
 */

const BLOCK = 512;

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  // length - 1 digits then NUL, as every tar reader accepts.
  writeString(buf, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

/** A tar archive holding one regular file `name` (a path relative to the extraction directory). */
export function tarOneFile(name: string, content: Buffer, mode = 0o644, mtimeSeconds = 0): Buffer {
  return tarFiles([{ name, content, mode }], mtimeSeconds);
}

/**
 * A tar archive of several entries: regular files, and directories (no content) so that one archive can lay out a
 * node's directories and config files in a single Docker call instead of an exec and a copy per file.
 */
export function tarFiles(
  entries: ReadonlyArray<{ name: string; content?: Buffer; mode?: number; dir?: boolean }>,
  mtimeSeconds = 0,
): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const content = e.dir ? Buffer.alloc(0) : (e.content ?? Buffer.alloc(0));
    parts.push(
      entryHeader(
        e.dir ? `${e.name.replace(/\/+$/, "")}/` : e.name,
        content.length,
        e.mode ?? (e.dir ? 0o755 : 0o644),
        mtimeSeconds,
        e.dir ? "5" : "0",
      ),
    );
    parts.push(content, Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function entryHeader(name: string, size: number, mode: number, mtimeSeconds: number, type: "0" | "5"): Buffer {
  if (name.startsWith("/") || name.includes("..")) throw new Error(`tar entry must be a plain relative path: ${name}`);
  const header = Buffer.alloc(BLOCK);
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, mode);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, mtimeSeconds);
  header.fill(" ", 148, 156);
  header.write(type, 156);
  writeString(header, 257, 6, "ustar\0");
  writeString(header, 263, 2, "00");
  let sum = 0;
  for (const b of header) sum += b;
  writeString(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return header;
}

export interface TarEntry {
  name: string;
  type: string;
  content: Buffer;
}

function readOctal(buf: Buffer, offset: number, length: number): number {
  const text = buf
    .subarray(offset, offset + length)
    .toString("latin1")
    .replace(/[\0 ]+/g, " ")
    .trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function readString(buf: Buffer, offset: number, length: number): string {
  const raw = buf.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString("utf8");
}

/** Every entry of an uncompressed tar archive (PAX/GNU extension headers are skipped, not interpreted). */
export function untar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let pos = 0;
  while (pos + BLOCK <= archive.length) {
    const header = archive.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = readOctal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = readString(header, 345, 155);
    const base = readString(header, 0, 100);
    const name = prefix ? `${prefix}/${base}` : base;
    const start = pos + BLOCK;
    if (start + size > archive.length) throw new Error(`truncated tar entry ${name}`);
    if (type !== "x" && type !== "g" && type !== "L" && type !== "K") {
      entries.push({ name, type, content: Buffer.from(archive.subarray(start, start + size)) });
    }
    pos = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
