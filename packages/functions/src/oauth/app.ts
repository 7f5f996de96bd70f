import { DomainError, OAuthFlowError } from "@connvault/core";
import { Hono } from "hono";
import type { Services } from "../composition.ts";
import { resultPage } from "./pages.ts";

const CALLBACK_PATH = "/oauth2/callback";

/**
 * The OAuth2 browser flow (the oauth function): `GET /oauth2/authorize?state=…` redirects to the
 * provider; `GET /oauth2/callback` stores the token and redirects to the connection's redirect_url,
 * or shows a small page. Failures end on an error page and leave the connection unchanged.
 */
export function createOAuthApp(services: Services): Hono {
  const app = new Hono();
  const base = (url: string) => services.config.publicUrl ?? new URL(url).origin;

  app.get("/oauth2/authorize", async (c) => {
    const target = await services.oauth.start(
      c.req.query("state") ?? "",
      `${base(c.req.url)}${CALLBACK_PATH}`,
    );
    return c.redirect(target, 302);
  });

  app.get(CALLBACK_PATH, async (c) => {
    const { state, code, error } = c.req.query();
    const record = await services.oauth.finish({
      ...(state ? { state } : {}),
      ...(code ? { code } : {}),
      ...(error ? { error } : {}),
    });
    if (record.redirect_url) {
      const target = new URL(record.redirect_url);
      target.searchParams.set("connection_id", record.id);
      target.searchParams.set("status", "authorized");
      return c.redirect(target.toString(), 302);
    }
    return c.html(
      resultPage({
        ok: true,
        title: "Connected",
        detail: `${record.name} is authorized. You can close this window.`,
      }),
      200,
    );
  });

  app.onError((error, c) => {
    const known = error instanceof DomainError;
    if (!known) services.logger.error("oauth flow failed", { error });
    const detail =
      error instanceof OAuthFlowError || known ? error.message : "Something went wrong. Try again.";
    return c.html(
      resultPage({ ok: false, title: "Authorization failed", detail }),
      error instanceof OAuthFlowError ? 400 : 502,
    );
  });
  return app;
}
