import { ENGINE_LABELS } from "../../core/cluster.js";
import type { Engine } from "../engine.js";
import { redis } from "./adapter.js";
import { redisImage } from "./image.js";

export const redisEngine: Engine = {
  name: "redis",
  label: ENGINE_LABELS.redis,
  db: redis,
  image: redisImage,
  // Every server of the family reports redis_version; Redis is what a server is when no fork claims it.
  identify: (info) => info.redis_version ?? "unknown",
  baseline: true,
  dialect: "redis.conf",
  waitaofSince: "7.2",
  minReplicasGuard: true,
};
