import type { NodeImage } from "../../image/nodeImage.js";

/**
 * Dragonfly is not packaged by Debian: the offline route takes its binary from --binary. redis-tools gives
 * redis-cli, and redis-sentinel is there because Dragonfly has no Sentinel of its own: in sentinel topology Redis
 * Sentinels watch the Dragonfly nodes, and every node of a run starts from one image.
 */
export const dragonflyImage: NodeImage = {
  engine: "dragonfly",
  label: "Dragonfly",
  packages: ["redis-sentinel", "redis-tools"],
  serverBinary: "/usr/local/bin/dragonfly",
  debianCarries: {},
  defaultSuite: "bookworm",
  officialImage: (version) =>
    `docker.dragonflydb.io/dragonflydb/dragonfly:${version === "latest" ? "latest" : `v${version.replace(/^v/, "")}`}`,
  offlineBinary: { file: "dragonfly" },
};
