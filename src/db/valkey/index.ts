import { ENGINE_LABELS } from "../../core/cluster.js";
import type { NodeImage } from "../../image/nodeImage.js";
import type { Db } from "../db.js";
import type { Engine } from "../engine.js";
import { redisFamily } from "../redis/adapter.js";

/**
 * Valkey speaks Redis's config dialect and protocol; only its binaries, file names and its INFO identity
 * (server_name:valkey, valkey_version) differ, and the shared Redis adapter takes those as parameters. Debian's
 * Valkey packages ship no redis-* names, so nothing here may fall back on them.
 */
export const valkey: Db = redisFamily({
  name: "valkey",
  label: ENGINE_LABELS.valkey,
  server: "valkey-server",
  cli: "valkey-cli",
  sentinel: "valkey-sentinel",
  confFile: "valkey.conf",
});

export const valkeyImage: NodeImage = {
  engine: "valkey",
  label: ENGINE_LABELS.valkey,
  packages: ["valkey-server", "valkey-sentinel", "valkey-tools"],
  serverBinary: "valkey-server",
  debianCarries: { bookworm: "8.0.1", trixie: "8.1.1", sid: "9.1.2" },
  // bookworm's Valkey is in bookworm-backports only.
  extraSuites: { bookworm: ["bookworm-backports"] },
  defaultSuite: "trixie",
  officialImage: (version) => `valkey/valkey:${version}`,
};

export const valkeyEngine: Engine = {
  name: "valkey",
  label: ENGINE_LABELS.valkey,
  db: valkey,
  image: valkeyImage,
  identify: (info) =>
    info.server_name === "valkey" || info.valkey_version !== undefined
      ? (info.valkey_version ?? info.redis_version ?? "unknown")
      : undefined,
  dialect: "redis.conf",
  waitaofSince: "",
  minReplicasGuard: true,
};
