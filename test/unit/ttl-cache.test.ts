import { systemClock, TtlCache } from "@connvault/core";
import { describe, expect, it } from "vitest";

describe("TtlCache", () => {
  it("keeps what it found when a flood of lookups finds nothing", async () => {
    // Prepare: one known key, then twice the cache's size of unknown ones.
    const cache = new TtlCache<string>(60_000, systemClock, 100);
    let loads = 0;
    const load = (value: string | null) => async () => {
      loads += 1;
      return value;
    };
    await cache.getOrLoad("known", load("value"));

    // Act
    for (let i = 0; i < 200; i++) await cache.getOrLoad(`unknown-${i}`, load(null));
    loads = 0;
    const known = await cache.getOrLoad("known", load("reloaded"));

    // Assess: still cached, no reload.
    expect(known).toBe("value");
    expect(loads).toBe(0);
  });

  it("evicts its oldest entry when full, not every entry", async () => {
    const cache = new TtlCache<string>(60_000, systemClock, 3);
    for (const key of ["a", "b", "c", "d"]) await cache.getOrLoad(key, async () => key);
    let loads = 0;
    const reload = async () => {
      loads += 1;
      return "again";
    };
    expect(await cache.getOrLoad("d", reload)).toBe("d");
    expect(await cache.getOrLoad("b", reload)).toBe("b");
    expect(await cache.getOrLoad("a", reload)).toBe("again");
    expect(loads).toBe(1);
  });
});
