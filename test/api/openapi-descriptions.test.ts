import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, json, startHarness } from "../helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

interface Schema {
  $ref?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  prefixItems?: Schema[];
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}
interface Parameter {
  $ref?: string;
  name: string;
  in: string;
  description?: string;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, Schema>; parameters?: Record<string, Parameter> };
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/** Every property and parameter of the document without a description, as readable locations. */
function undescribed(doc: Document): { checked: number; missing: string[] } {
  const schemas = doc.components.schemas ?? {};
  const target = (ref: string) => schemas[ref.replace("#/components/schemas/", "")];
  const described = (schema: Schema | undefined): boolean =>
    Boolean(schema?.description) || (schema?.$ref !== undefined && Boolean(target(schema.$ref)?.description));
  const missing: string[] = [];
  let checked = 0;

  /**
   * A $ref is walked where it is defined (components), not where it is used. `inherited` holds the
   * properties another branch of an enclosing allOf describes: a branch that only narrows one of them
   * (a `code` enum on the shared Problem) documents the same, merged property.
   */
  const walk = (schema: Schema | undefined, at: string, inherited = new Set<string>()): void => {
    if (!schema || schema.$ref) return;
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      checked += 1;
      if (!described(property) && !inherited.has(name)) missing.push(`${at}.${name}`);
      walk(property, `${at}.${name}`);
    }
    for (const item of [schema.items ?? [], schema.prefixItems ?? []].flat()) walk(item, `${at}[]`);
    if (typeof schema.additionalProperties === "object") walk(schema.additionalProperties, `${at}{}`);
    const merged = new Set(
      (schema.allOf ?? []).flatMap((branch) => {
        const properties = (branch.$ref ? target(branch.$ref) : branch)?.properties ?? {};
        return Object.entries(properties).flatMap(([name, property]) => (described(property) ? [name] : []));
      }),
    );
    for (const keyword of ["anyOf", "oneOf", "allOf"] as const) {
      for (const [i, branch] of (schema[keyword] ?? []).entries()) {
        walk(branch, `${at}(${keyword}[${i}])`, keyword === "allOf" ? merged : undefined);
      }
    }
  };

  for (const [name, schema] of Object.entries(schemas)) walk(schema, `#/components/schemas/${name}`);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item).filter(([m]) => METHODS.has(m))) {
      const op = `${method.toUpperCase()} ${path}`;
      for (const reference of operation.parameters ?? []) {
        const parameter = reference.$ref
          ? doc.components.parameters?.[reference.$ref.replace("#/components/parameters/", "")]
          : reference;
        checked += 1;
        if (!parameter?.description && !described(parameter?.schema)) {
          missing.push(`${op} ${parameter?.in} parameter ${parameter?.name ?? reference.$ref}`);
        }
        walk(parameter?.schema, `${op} ${parameter?.in} parameter ${parameter?.name}`);
      }
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        walk(media.schema, `${op} request ${type}`);
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          walk(media.schema, `${op} ${status} ${type}`);
        }
      }
    }
  }
  return { checked, missing };
}

describe("GET /openapi.json descriptions", () => {
  it("describes every property of every schema and every parameter of every operation", async () => {
    const doc = await json<Document>(await h.request("GET", "/openapi.json"));
    const { checked, missing } = undescribed(doc);
    expect(checked).toBeGreaterThan(300);
    expect(missing, `${missing.length} of ${checked} without a description:\n${missing.join("\n")}`).toEqual(
      [],
    );
  });
});
