import { expect } from "vitest";

/** The error `fn` throws, asserted to be of `kind` (a test that expects a refusal fails if there is none). */
export function thrown<E extends Error>(kind: new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(kind);
    return err as E;
  }
  throw new Error(`expected a ${kind.name}`);
}
