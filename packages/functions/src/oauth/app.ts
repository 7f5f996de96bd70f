import { DomainError, OAUTH_FLOW_TTL_MS, OAuthFlowError, secureUrl } from "@connvault/core";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { HttpEnv } from "../api/env.ts";
import { accessLog, requestContext } from "../api/middleware/context.ts";
import { noStore, pageHeaders } from "../api/middleware/security.ts";
import type { OAuthServices } from "../composition.ts";
import { resultPage } from "./pages.ts";

const CALLBACK_PATH = "/oauth2/callback";
/** Binds a flow to the browser that started it: set at `/oauth2/authorize`, checked at the callback. */
const BROWSER_COOKIE = "connvault_oauth";
const COOKIE_SCOPE = { path: "/oauth2", httpOnly: true, sameSite: "Lax" } as const;

/** `Secure` everywhere but plain http on loopback (local development), the only http `secureUrl` allows. */
const secureCookie = (base: string) => !(base.startsWith("http:") && secureUrl.safeParse(base).success);

/**
 * The OAuth2 browser flow (the oauth function): `GET /oauth2/authorize?state=…` redirects to the
 * provider; `GET /oauth2/callback` stores the token and redirects to the connection's redirect_url,
 * or shows a small page. Failures end on an error page and leave the connection unchanged.
 */
export function createOAuthApp(services: OAuthServices): Hono<HttpEnv<OAuthServices>> {
  const app = new Hono<HttpEnv<OAuthServices>>();
  const base = (url: string) => services.config.publicUrl ?? new URL(url).origin;
  app.use(...requestContext(services), accessLog, pageHeaders, noStore);

  app.get("/oauth2/authorize", async (c) => {
    const origin = base(c.req.url);
    const { location, browserKey } = await services.oauth.start(
      c.req.query("state") ?? "",
      `${origin}${CALLBACK_PATH}`,
    );
    setCookie(c, BROWSER_COOKIE, browserKey, {
      ...COOKIE_SCOPE,
      maxAge: OAUTH_FLOW_TTL_MS / 1000,
      secure: secureCookie(origin),
    });
    return c.redirect(location, 302);
  });

  app.get(CALLBACK_PATH, async (c) => {
    const { state, code, error } = c.req.query();
    const browserKey = getCookie(c, BROWSER_COOKIE);
    deleteCookie(c, BROWSER_COOKIE, { ...COOKIE_SCOPE, secure: secureCookie(base(c.req.url)) });
    const { record, session } = await services.oauth.finish({
      ...(state ? { state } : {}),
      ...(code ? { code } : {}),
      ...(error ? { error } : {}),
      ...(browserKey ? { browserKey } : {}),
    });
    // Started on the connect page: it ends where the session says, as the page's other forms do; in a
    // pop-up, on the connect function's page that messages the opener.
    if (session?.popup && session.redirect_url) {
      return c.redirect(`${base(c.req.url)}/connect/done/${session.id}`, 302);
    }
    const redirectUrl = session ? session.redirect_url : record.redirect_url;
    if (redirectUrl) {
      const target = new URL(redirectUrl);
      target.searchParams.set("connection_id", record.id);
      target.searchParams.set("status", session ? "connected" : "authorized");
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
      error instanceof OAuthFlowError || known
        ? `${error.message} Nothing was changed: go back to where you started and try again.`
        : "Something went wrong and nothing was changed. Try again; if it keeps failing, quote the request id below.";
    return c.html(
      resultPage({ ok: false, title: "Authorization failed", detail, requestId: c.get("requestId") }),
      error instanceof OAuthFlowError ? 400 : 502,
    );
  });
  return app;
}
