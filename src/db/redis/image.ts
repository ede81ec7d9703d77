import type { NodeImage } from "../../image/nodeImage.js";

export const redisImage: NodeImage = {
  engine: "redis",
  label: "Redis",
  packages: ["redis-server", "redis-sentinel", "redis-tools"],
  serverBinary: "redis-server",
  debianCarries: { bookworm: "7.0.15", trixie: "8.0.2", sid: "8.0.6" },
  defaultSuite: "bookworm",
  officialImage: (version) => `redis:${version}`,
};
