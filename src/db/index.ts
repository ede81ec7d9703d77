import type { DbName } from "../core/cluster.js";
import type { Db } from "./db.js";
import { ENGINES } from "./engines.js";

export function dbFor(name: DbName): Db {
  return ENGINES[name].db;
}
