import { UsageError } from "../core/exit.js";
import { type History, isClientOp } from "../history/op.js";
import { kvModel } from "./kv.js";
import type { Model } from "./model.js";
import { registerModel } from "./register.js";

export { kvModel } from "./kv.js";
export type { Call, Decoded, Model, StepResult } from "./model.js";
export { registerModel } from "./register.js";

export type ModelName = "register" | "kv";
export const MODEL_NAMES: readonly ModelName[] = ["register", "kv"];

const MODELS: Record<ModelName, Model> = { register: registerModel, kv: kvModel };

export function modelByName(name: ModelName | string): Model {
  const m = (MODELS as Record<string, Model | undefined>)[name];
  if (!m) throw new UsageError(`unknown model "${name}"`, `choose one of: ${MODEL_NAMES.join(", ")}`);
  return m;
}

/**
 * Picks the model a history was written for: put or append only make sense for kv; everything else (read, write,
 * cas and Redis's get/set) is a register, which also treats a never-set key exactly as kv would.
 */
export function detectModel(history: History): ModelName {
  for (const op of history) {
    if (op.type === "invoke" && isClientOp(op) && (op.f === "append" || op.f === "put")) return "kv";
  }
  return "register";
}
