import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The Debian mirror for offline builds comes from this machine's own apt configuration (never a name we wrote
 * down), so an air-gapped site's internal mirror is used as-is. Parsing is pure; `debianMirror` reads the files.
 */

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
}

/** deb822 `.sources` files: stanzas of `Key: value` separated by blank lines. */
export function parseDeb822(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split("\n")) {
      if (line.startsWith("#")) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    if (fields.get("enabled")?.toLowerCase() === "no") continue;
    const types = (fields.get("types") ?? "").split(/\s+/);
    if (!types.includes("deb")) continue;
    for (const uri of (fields.get("uris") ?? "").split(/\s+/).filter(Boolean)) {
      out.push({
        uri,
        suites: (fields.get("suites") ?? "").split(/\s+/).filter(Boolean),
        components: (fields.get("components") ?? "").split(/\s+/).filter(Boolean),
      });
    }
  }
  return out;
}

/** One-line `deb [options] uri suite components...` format. */
export function parseSourcesList(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (m) out.push({ uri: m[1]!, suites: [m[2]!], components: m[3]!.split(/\s+/).filter(Boolean) });
  }
  return out;
}

/** The main archive: a source with the `main` component whose suites are not security or updates pockets. */
export function pickDebianMirror(sources: readonly AptSource[]): string | undefined {
  const main = sources.filter(
    (s) =>
      s.components.includes("main") &&
      s.suites.some((suite) => !/-(security|updates|backports)$/.test(suite) && !suite.includes("/updates")),
  );
  return main[0]?.uri.replace(/\/+$/, "");
}

export function readAptSources(root = "/etc/apt"): AptSource[] {
  const sources: AptSource[] = [];
  const list = join(root, "sources.list");
  if (existsSync(list)) sources.push(...parseSourcesList(readFileSync(list, "utf8")));
  const dir = join(root, "sources.list.d");
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      const text = readFileSync(join(dir, f), "utf8");
      if (f.endsWith(".sources")) sources.push(...parseDeb822(text));
      else if (f.endsWith(".list")) sources.push(...parseSourcesList(text));
    }
  }
  return sources;
}

/** SPLITBRAIN_DEBIAN_MIRROR overrides; otherwise the machine's apt configuration decides. */
export function debianMirror(): string | undefined {
  return process.env.SPLITBRAIN_DEBIAN_MIRROR || pickDebianMirror(readAptSources());
}
