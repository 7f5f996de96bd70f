import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/**
 * Security headers on every response. The API's own policy forbids everything a browser could
 * do with a JSON response; only the `/docs` page may run its (self-hosted) script and styles.
 */
const apiPolicy = {
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  strictTransportSecurity: "max-age=63072000; includeSubDomains",
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  crossOriginResourcePolicy: "same-origin",
};
const apiHeaders: MiddlewareHandler = secureHeaders(apiPolicy);

/**
 * The OAuth2 pages (`/oauth2/*`): the API's policy, plus the inline style of their small HTML pages. They
 * may run in a platform's pop-up (the connect page's OAuth2 flow), whose opener must stay its opener.
 */
export const pageHeaders: MiddlewareHandler = secureHeaders({
  ...apiPolicy,
  contentSecurityPolicy: { ...apiPolicy.contentSecurityPolicy, styleSrc: ["'unsafe-inline'"] },
  crossOriginOpenerPolicy: "unsafe-none",
});

const docsHeaders: MiddlewareHandler = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'unsafe-inline'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:"],
    fontSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
  },
  strictTransportSecurity: "max-age=63072000; includeSubDomains",
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
});

export const securityHeaders: MiddlewareHandler = (c, next) =>
  c.req.path === "/docs" || c.req.path.startsWith("/docs/") ? docsHeaders(c, next) : apiHeaders(c, next);

/** API answers are never cached by intermediaries: they are per key and may be sensitive. */
export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
};
