import { createApiServices, createApp, loadConfig } from "@connvault/functions";
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from "openapi-typescript";

/** Where the generated types are committed, relative to the repository's root. */
export const SCHEMA_FILE = new URL("../src/generated/schema.ts", import.meta.url);

/**
 * connvault's OpenAPI document, built in-process from the api function's own app (no server, no AWS
 * call: serving the document touches no service), without `servers`, which name where it was fetched.
 */
async function openApiDocument(): Promise<OpenAPI3> {
  const app = createApp(createApiServices(loadConfig({ CONNVAULT_LOG_LEVEL: "SILENT" })));
  const res = await app.request("/openapi.json");
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  const { servers: _servers, ...document } = (await res.json()) as OpenAPI3;
  return document;
}

/** The TypeScript that openapi-typescript makes of the document: the content of {@link SCHEMA_FILE}. */
export async function generateSchema(): Promise<string> {
  const ast = await openapiTS(await openApiDocument(), { silent: true });
  return `${COMMENT_HEADER}${astToString(ast)}`;
}
