import type { Db } from "./db.js";
import { redisFamily } from "./redis.js";

/**
 * Valkey speaks Redis's config dialect and protocol; only its binaries and its INFO identity (server_name:valkey,
 * valkey_version) differ, and the shared Redis adapter already takes both as parameters.
 */
export const valkey: Db = redisFamily({
  name: "valkey",
  label: "Valkey",
  server: "valkey-server",
  sentinel: "valkey-sentinel",
});
