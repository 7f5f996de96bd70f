import { newId } from "@connvault/core";
import { describe, expect, it } from "vitest";

const CROCKFORD = /^conn_[0-9A-HJKMNP-TV-Z]{26}$/;

describe("newId", () => {
  it("issues unique, well-formed ULIDs in creation order", () => {
    const ids = Array.from({ length: 10_000 }, () => newId("conn"));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(CROCKFORD);
    expect([...ids].sort()).toEqual(ids);
  });

  it("draws the random part from the whole alphabet, not a stuck source", async () => {
    const randomParts: string[] = [];
    for (let i = 0; i < 40; i++) {
      randomParts.push(newId("conn").slice(-16));
      await new Promise((resolve) => setTimeout(resolve, 2)); // a new millisecond: fresh randomness
    }
    expect(new Set(randomParts).size).toBe(randomParts.length);
    expect(new Set(randomParts.join("")).size).toBeGreaterThanOrEqual(30);
  });
});
