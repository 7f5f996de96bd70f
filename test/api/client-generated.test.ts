import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generateSchema, SCHEMA_FILE } from "../../packages/client/scripts/schema.ts";

describe("@connvault/client's generated types", () => {
  it("are what openapi-typescript makes of the current OpenAPI document", async () => {
    // Arrange
    const committed = await readFile(SCHEMA_FILE, "utf8");

    // Act
    const generated = await generateSchema();

    // Assess
    expect(
      generated === committed,
      "packages/client/src/generated/schema.ts is out of date with the OpenAPI document: run `npm run client:generate`",
    ).toBe(true);
  });
});
