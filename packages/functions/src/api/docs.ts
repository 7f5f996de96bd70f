import { readFileSync } from "node:fs";
import { Scalar } from "@scalar/hono-api-reference";
import type { App } from "./env.ts";

const SCRIPT_PATH = "/docs/scalar.js";

/** `GET /docs`: the interactive API reference, with its script served by connvault (no CDN). */
export function registerDocs(app: App, scriptFile: string): void {
  let script: string | undefined;
  app.get(
    "/docs",
    Scalar({ url: "/openapi.json", cdn: SCRIPT_PATH, pageTitle: "connvault API", withDefaultFonts: false }),
  );
  app.get(SCRIPT_PATH, (c) => {
    script ??= readFileSync(scriptFile, "utf8");
    return c.body(script, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=86400",
    });
  });
}
