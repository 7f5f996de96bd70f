import { canonicalJson } from "@connvault/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** The serialisation every stored ClientRequestToken and fingerprint was made with: it must not change. */
const asFirstWritten = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

/** The same value with every object's keys in another order. */
const reordered = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(reordered);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, inner]) => [key, reordered(inner)]),
  );
};

describe("canonicalJson", () => {
  it("gives the text tokens and fingerprints were first made from", () => {
    const values = fc.oneof(fc.jsonValue(), fc.object({ withNullPrototype: true, withBoxedValues: false }));
    fc.assert(
      fc.property(values, (value) => {
        expect(canonicalJson(value)).toBe(asFirstWritten(value));
      }),
      { numRuns: 2000 },
    );
    const withDate = { b: new Date(0), a: [undefined, { d: 1, c: undefined }] };
    expect(canonicalJson(withDate)).toBe(asFirstWritten(withDate));
  });

  it("ignores the order of keys", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(reordered(value))).toBe(canonicalJson(value));
      }),
    );
  });

  it("keeps __proto__ as a key", () => {
    const value = JSON.parse('{"z":1,"__proto__":{"a":2}}');
    expect(canonicalJson(value)).toBe('{"__proto__":{"a":2},"z":1}');
  });
});
