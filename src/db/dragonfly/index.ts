import { ENGINE_LABELS } from "../../core/cluster.js";
import type { Engine } from "../engine.js";
import { dragonfly } from "./adapter.js";
import { dragonflyImage } from "./image.js";
import { dragonflyOptions } from "./options.js";

export const dragonflyEngine: Engine = {
  name: "dragonfly",
  label: ENGINE_LABELS.dragonfly,
  db: dragonfly,
  image: dragonflyImage,
  identify: (info) => info.dragonfly_version?.replace(/^df-v?/, ""),
  // Its primary accepts writes however many replicas are connected (the options are refused up front).
  dialect: "flags",
  minReplicasGuard: false,
  options: dragonflyOptions,
};
