import { randomBytes } from "node:crypto";
import {
  type AuthType,
  type ConnectForm,
  type ConnectorRecord,
  ConnectPageError,
  type ConnectPageErrorCode,
  DomainError,
  type OpenConnectSession,
  PayloadTooLargeError,
  secureUrl,
  ValidationError,
} from "@connvault/core";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie, setCookie } from "hono/cookie";
import type { JSX } from "hono/jsx/jsx-runtime";
import { secureHeaders } from "hono/secure-headers";
import type { HttpEnv } from "../api/env.ts";
import { accessLog, requestContext } from "../api/middleware/context.ts";
import { noStore } from "../api/middleware/security.ts";
import { statusOf } from "../api/problems.ts";
import type { ConnectServices } from "../composition.ts";
import {
  ChooserPage,
  contentSecurityPolicy,
  ErrorPage,
  FormPage,
  POPUP_SCRIPT,
  POPUP_SCRIPT_PATH,
  PopupResultPage,
  SuccessPage,
} from "./pages.tsx";

type ConnectEnv = HttpEnv<ConnectServices>;

/** A random value per browser; the form's CSRF value is an HMAC of it and the session. */
const BROWSER_COOKIE = "connvault_connect";
const COOKIE_SCOPE = { path: "/connect", httpOnly: true, sameSite: "Lax" } as const;
/** A form holds a connector id, a CSRF value and at most two credential fields of ≤ 16 KiB each. */
const MAX_FORM_BYTES = 64 * 1024;

/** `Secure` everywhere but plain http on loopback (local development), the only http `secureUrl` allows. */
const secureCookie = (url: string) => !(url.startsWith("http:") && secureUrl.safeParse(url).success);

/** The fields each auth type's form must have, with what to tell a person who left one empty. */
const REQUIRED: Record<Exclude<AuthType, "none">, { field: string; message: string }[]> = {
  api_key: [{ field: "api_key", message: "Enter your API key." }],
  basic: [
    { field: "username", message: "Enter your username." },
    { field: "password", message: "Enter your password." },
  ],
  bearer: [{ field: "token", message: "Enter your access token." }],
  oauth2: [],
};

const TITLES: Record<ConnectPageErrorCode, [number, string]> = {
  connect_page_invalid: [404, "This link is not valid"],
  connect_page_expired: [410, "This link has expired"],
  connect_page_used: [409, "This link has already been used"],
  connect_page_revoked: [410, "This link was cancelled"],
  connect_page_forbidden: [403, "This form could not be sent"],
  connect_page_unknown_connector: [404, "This service is not offered here"],
  connect_page_connection_gone: [410, "This connection no longer exists"],
  connect_page_not_configured: [409, "This service is not ready to connect"],
};

const formOf = (authType: AuthType, field: (name: string) => string): ConnectForm | null => {
  switch (authType) {
    case "api_key":
      return { auth_type: "api_key", api_key: field("api_key") };
    case "basic":
      return { auth_type: "basic", username: field("username"), password: field("password") };
    case "bearer":
      return { auth_type: "bearer", token: field("token") };
    case "oauth2":
      return { auth_type: "oauth2" };
    case "none":
      return null;
  }
};

/**
 * The hosted connect page (the connect function; API.md, "Connect sessions"): `GET /connect/{token}`
 * lists the session's connectors or shows the chosen one's form, `POST /connect/{token}` creates (or
 * rotates) the connection through the same use-cases as the API, and `GET /connect/done/{session}` ends
 * an OAuth2 authorization started in a pop-up. Server-rendered HTML with no inline script, loading
 * nothing but its own pop-up script (`/connect/assets/popup.js`), and working without it; forms carry a
 * CSRF value bound to the session and to a browser cookie. Every failure is a page that says what to do
 * next, with the request id.
 */
export function createConnectApp(services: ConnectServices): Hono<ConnectEnv> {
  const app = new Hono<ConnectEnv>();
  const { connectPage } = services;
  const origin = (c: Context<ConnectEnv>) => services.config.publicUrl ?? new URL(c.req.url).origin;
  app.use(
    ...requestContext(services),
    accessLog,
    noStore,
    secureHeaders({
      contentSecurityPolicy: undefined,
      strictTransportSecurity: "max-age=63072000; includeSubDomains",
      xFrameOptions: "DENY",
      referrerPolicy: "no-referrer",
      crossOriginResourcePolicy: "same-origin",
      // The page may be a platform's pop-up: its opener (another origin) must stay its opener to be told.
      crossOriginOpenerPolicy: "unsafe-none",
    }),
  );

  /** A page, with the policy that lets its forms (and their redirects) reach only where they must. */
  const render = (c: Context<ConnectEnv>, page: JSX.Element, status: number, formTargets: string[] = []) => {
    c.header("content-security-policy", contentSecurityPolicy(formTargets));
    return c.html(`<!doctype html>${page}`, status as 200);
  };

  /** Where this session's forms may lead: back here, its redirect_url, an OAuth2 provider's consent page. */
  const formTargets = (opened: OpenConnectSession) =>
    [
      opened.session.redirect_url,
      ...opened.connectors.map((connector) => connector.oauth2?.authorization_url),
    ].flatMap((url) => (url ? [new URL(url).origin] : []));

  const browserNonce = (c: Context<ConnectEnv>): string => {
    const existing = getCookie(c, BROWSER_COOKIE);
    if (existing && /^[\w-]{43}$/.test(existing)) return existing;
    const nonce = randomBytes(32).toString("base64url");
    setCookie(c, BROWSER_COOKIE, nonce, { ...COOKIE_SCOPE, secure: secureCookie(origin(c)) });
    return nonce;
  };

  const form = (
    c: Context<ConnectEnv>,
    opened: OpenConnectSession,
    connector: ConnectorRecord,
    status: number,
    extra: { error?: { field?: string; message: string } } = {},
  ) =>
    render(
      c,
      <FormPage
        organization={opened.organizationName}
        action={c.req.path}
        connector={connector}
        csrf={connectPage.csrfToken(opened.session, browserNonce(c))}
        reconnect={opened.connection !== null}
        choices={opened.connectors.length > 1}
        requestId={c.get("requestId")}
        {...extra}
      />,
      status,
      formTargets(opened),
    );

  const offered = (opened: OpenConnectSession, id: string | undefined) => {
    const connector = opened.connectors.find((candidate) => candidate.id === id);
    if (!connector) {
      throw new ConnectPageError(
        "connect_page_unknown_connector",
        "This link cannot connect that service. Go back and choose one of the services offered.",
      );
    }
    return connector;
  };

  /** Where a finished connect goes: redirect_url with the result in its query, or, in a pop-up, the page that messages the opener. */
  const connected = (
    c: Context<ConnectEnv>,
    session: { id: string; redirect_url: string },
    connectionId: string,
    popup: boolean,
  ) => {
    const next = new URL(session.redirect_url);
    next.searchParams.set("connection_id", connectionId);
    next.searchParams.set("status", "connected");
    if (!popup) return c.redirect(next.toString(), 303);
    const message = {
      type: "connvault:connect",
      status: "connected",
      connection_id: connectionId,
      connect_session_id: session.id,
    } as const;
    return render(
      c,
      <PopupResultPage message={message} targetOrigin={next.origin} next={next.toString()} />,
      200,
    );
  };

  app.get(POPUP_SCRIPT_PATH, (c) => {
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header("cache-control", "public, max-age=3600");
    return c.body(POPUP_SCRIPT);
  });

  app.get("/connect/done/:session", async (c) => {
    const session = await connectPage.finished(c.req.param("session"));
    return connected(c, session, session.connection_id, true);
  });

  app.get("/connect/:token", async (c) => {
    const opened = await connectPage.open(c.req.param("token"));
    const only = opened.connectors.length === 1 ? opened.connectors[0]?.id : undefined;
    const chosen = c.req.query("connector") ?? only;
    if (chosen) return form(c, opened, offered(opened, chosen), 200);
    if (opened.connectors.length === 0) {
      throw new ConnectPageError(
        "connect_page_unknown_connector",
        "None of the services this link offers can be connected any more. Ask the application that sent you here for a new link.",
      );
    }
    browserNonce(c);
    return render(
      c,
      <ChooserPage
        organization={opened.organizationName}
        action={c.req.path}
        connectors={opened.connectors}
      />,
      200,
    );
  });

  app.post(
    "/connect/:token",
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: () => {
        throw new PayloadTooLargeError("The form is larger than it can be");
      },
    }),
    async (c) => {
      const opened = await connectPage.open(c.req.param("token"));
      const body = await c.req.parseBody();
      const field = (name: string) => {
        const value = body[name];
        return typeof value === "string" ? value : "";
      };
      const connector = offered(opened, field("connector"));
      const submitted = formOf(connector.auth_type, field);
      if (!submitted)
        throw new ConnectPageError("connect_page_unknown_connector", "This service needs no account.");
      const browser = { browserNonce: getCookie(c, BROWSER_COOKIE) ?? "", csrf: field("csrf") };
      const popup = field("display") === "popup";
      if (submitted.auth_type === "oauth2") {
        // On to the provider's consent through the oauth function's flow, which ends with the session.
        const record = await connectPage.prepareOAuth(opened, {
          connectorId: connector.id,
          form: submitted,
          ...browser,
        });
        return c.redirect(
          services.oauthLinks.forConnectSession(record, origin(c), {
            id: opened.session.id,
            reauthorize: opened.connection !== null,
            popup,
          }),
          303,
        );
      }
      const missing = REQUIRED[submitted.auth_type].find(({ field: name }) => field(name).trim() === "");
      if (missing) return form(c, opened, connector, 422, { error: missing });
      let record: Awaited<ReturnType<typeof connectPage.connect>>;
      try {
        record = await connectPage.connect(opened, {
          connectorId: connector.id,
          form: submitted,
          ...browser,
        });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return form(c, opened, connector, 422, { error: { message: error.message } });
      }
      const { redirect_url } = opened.session;
      if (redirect_url) return connected(c, { id: opened.session.id, redirect_url }, record.id, popup);
      return render(
        c,
        <SuccessPage organization={opened.organizationName} connector={connector.name} />,
        200,
      );
    },
  );

  const failure = (c: Context<ConnectEnv>, status: number, title: string, detail: string, code: string) =>
    render(c, <ErrorPage title={title} detail={detail} code={code} requestId={c.get("requestId")} />, status);

  app.notFound((c) =>
    failure(
      c,
      404,
      "This page does not exist",
      "Check the link you were given, or ask the application that sent you here for a new one.",
      "route_not_found",
    ),
  );
  app.onError((error, c) => {
    if (error instanceof ConnectPageError) {
      const [status, title] = TITLES[error.code];
      return failure(c, status, title, error.message, error.code);
    }
    if (error instanceof DomainError) {
      return failure(
        c,
        statusOf(error.code),
        "Your account could not be connected",
        `${error.message}. Try again; if it keeps failing, contact the application that sent you here and quote the request id below.`,
        error.code,
      );
    }
    services.logger.error("connect page failed", { error });
    return failure(
      c,
      500,
      "Something went wrong",
      "Nothing was saved. Try again in a minute; if it keeps failing, contact the application that sent you here and quote the request id below.",
      "internal_error",
    );
  });
  return app;
}
