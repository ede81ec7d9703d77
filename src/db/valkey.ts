import type { Db } from "./db.js";
import { redisFamily } from "./redis.js";

/**
 * Valkey speaks Redis's config dialect and protocol; only its binaries, file names and its INFO identity
 * (server_name:valkey, valkey_version) differ, and the shared Redis adapter takes those as parameters. Debian's
 * Valkey packages ship no redis-* names, so nothing here may fall back on them.
 */
export const valkey: Db = redisFamily({
  name: "valkey",
  label: "Valkey",
  server: "valkey-server",
  sentinel: "valkey-sentinel",
  confFile: "valkey.conf",
});
