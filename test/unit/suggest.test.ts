import { ValidationError } from "@connvault/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { closestMatch, editDistance } from "../../packages/core/src/shared/suggest.ts";
import { parse } from "../../packages/core/src/shared/validation.ts";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent transpositions as one edit each", () => {
    expect(editDistance("stripe", "stripe")).toBe(0);
    expect(editDistance("strpe", "stripe")).toBe(1);
    expect(editDistance("stripes", "stripe")).toBe(1);
    expect(editDistance("strope", "stripe")).toBe(1);
    expect(editDistance("nmae", "name")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("closestMatch", () => {
  const connectors = ["slack", "github", "stripe", "salesforce", "open-meteo"];

  it("suggests the candidate a typo or a wrong case was meant to be", () => {
    expect(closestMatch("strpe", connectors)).toBe("stripe");
    expect(closestMatch("Stripe", connectors)).toBe("stripe");
    expect(closestMatch("SLACK", connectors)).toBe("slack");
    expect(closestMatch("acess_scope", ["name", "access_scope", "owner"])).toBe("access_scope");
    expect(closestMatch("nmae", ["name", "owner"])).toBe("name");
  });

  it("suggests nothing for an exact match, a distant input, an empty or an overlong one", () => {
    expect(closestMatch("stripe", connectors)).toBeUndefined();
    expect(closestMatch("nope", connectors)).toBeUndefined();
    expect(closestMatch("zzzzzz", connectors)).toBeUndefined();
    expect(closestMatch("", connectors)).toBeUndefined();
    expect(closestMatch(`stripe${"x".repeat(70)}`, connectors)).toBeUndefined();
    expect(closestMatch("strpe", [])).toBeUndefined();
  });

  it("allows one edit for every three characters, three at most", () => {
    expect(closestMatch("ab", ["abc"])).toBe("abc");
    expect(closestMatch("ab", ["abcd"])).toBeUndefined();
    expect(closestMatch("environmnt_nme", ["environment_name"])).toBe("environment_name");
    expect(
      closestMatch("a_very_long_fild_nme_here", ["a_very_long_field_name_here_too_long"]),
    ).toBeUndefined();
  });

  it("prefers the closer candidate, then the earlier one", () => {
    expect(closestMatch("stripx", ["stripes", "stripe"])).toBe("stripe");
    expect(closestMatch("cat", ["bat", "hat"])).toBe("bat");
  });
});

describe("parse (queues, custom resources)", () => {
  const schema = z.strictObject({ name: z.string(), access_scope: z.enum(["personal", "organizational"]) });

  it("throws a ValidationError whose message summarises the first problem", () => {
    // Act
    let error: unknown;
    try {
      parse(schema, { acess_scope: "team" });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe("name is required (and 2 more problems)");
    expect((error as ValidationError).details).toEqual([
      { path: "name", code: "invalid_type", message: "name is required" },
      {
        path: "access_scope",
        code: "invalid_value",
        message: "access_scope is required (personal or organizational)",
      },
      {
        path: "acess_scope",
        code: "unrecognized_keys",
        message: "unknown field acess_scope; did you mean access_scope?",
      },
    ]);
  });
});
