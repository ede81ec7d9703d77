import type { DbName } from "../core/cluster.js";
import type { Db } from "./db.js";
import { dragonfly } from "./dragonfly.js";
import { redis } from "./redis.js";
import { valkey } from "./valkey.js";

export const DBS: Record<DbName, Db> = { redis, valkey, dragonfly };

export function dbFor(name: DbName): Db {
  return DBS[name];
}
