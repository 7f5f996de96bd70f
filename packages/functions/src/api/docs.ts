import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Scalar } from "@scalar/hono-api-reference";
import type { App } from "./env.ts";
import { baseUrl } from "./links.ts";

const SCRIPT_PATH = "/docs/scalar.js";

/**
 * The installed package's script, resolved on the first `/docs/scalar.js` request only: a Lambda bundle
 * has no node_modules, so resolving it at init would crash every function whose bundle lacks it.
 */
const installedScript = () =>
  join(dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")), "browser", "standalone.js");

/**
 * `GET /docs`: the interactive API reference, with its script served by connvault (no CDN). Scalar's
 * hosted features (Ask AI, the developer tools' Share and Deploy, telemetry) need Scalar's servers, so a
 * self-hosted, offline reference leaves them out. Scalar is pinned to its last line that supports Node 20
 * (1.46; later ones have an MCP generator too, which this line lacks).
 */
export function registerDocs(app: App, scriptFile: string | undefined): void {
  let script: string | undefined;
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      cdn: SCRIPT_PATH,
      pageTitle: "connvault API",
      withDefaultFonts: false,
      agent: { disabled: true },
      showDeveloperTools: "never",
      telemetry: false,
    }),
  );
  // Where a person lands first: a browser goes on to the reference, a client gets where things are.
  for (const path of ["/", "/v1"]) {
    app.get(path, (c) => {
      if (c.req.header("accept")?.includes("text/html")) return c.redirect("/docs", 302);
      const base = baseUrl(c);
      return c.json({
        name: "connvault",
        docs: `${base}/docs`,
        openapi: `${base}/openapi.json`,
        health: `${base}/v1/health`,
      });
    });
  }
  app.get(SCRIPT_PATH, (c) => {
    script ??= readFileSync(scriptFile ?? installedScript(), "utf8");
    return c.body(script, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=86400",
    });
  });
}
