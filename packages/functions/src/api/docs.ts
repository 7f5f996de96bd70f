import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Scalar } from "@scalar/hono-api-reference";
import type { App } from "./env.ts";

const SCRIPT_PATH = "/docs/scalar.js";
let script: string | undefined;

/** Scalar's standalone bundle, read from the installed package on first use (never from a CDN). */
function scalarScript(): string {
  if (script === undefined) {
    const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
    script = readFileSync(join(dirname(entry), "browser", "standalone.js"), "utf8");
  }
  return script;
}

/** `GET /docs`: the interactive API reference, working without internet access. */
export function registerDocs(app: App): void {
  app.get(
    "/docs",
    Scalar({ url: "/openapi.json", cdn: SCRIPT_PATH, pageTitle: "connvault API", withDefaultFonts: false }),
  );
  app.get(SCRIPT_PATH, (c) =>
    c.body(scalarScript(), 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=86400",
    }),
  );
}
