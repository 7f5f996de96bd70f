import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type Provider from "oidc-provider";
import type {
  Adapter,
  AdapterPayload,
  Configuration,
  InteractionResults,
  JWK,
  KoaContextWithOIDC,
} from "oidc-provider";

/**
 * A real OAuth 2.0 authorization server (oidc-provider) on a loopback port, for tests that need a provider to
 * authorize against, exchange codes with and refresh tokens at. Nobody is asked anything: every interaction
 * logs in as {@link ACCOUNT_ID} and grants (or, after `setConsent("deny")`, denies) what was requested, so a
 * client that follows redirects and keeps cookies goes from the authorization URL straight back to its
 * redirect_uri.
 */
export interface OAuthServer {
  /** e.g. http://127.0.0.1:<port> */
  issuer: string;
  /** The provider's authorization endpoint. */
  authorizationUrl: string;
  /** The token endpoint. */
  tokenUrl: string;
  /** The OIDC userinfo endpoint: accepts access tokens whose scope includes `openid`. */
  userinfoUrl: string;
  /** RFC 7662 introspection, authenticated as the client: what {@link OAuthServer.accepts} asks. */
  introspectionUrl: string;
  /** RFC 7009 revocation, authenticated as the client. */
  revocationUrl: string;
  clientId: string;
  clientSecret: string;
  /** The scopes the provider knows; others are dropped from authorization requests. */
  scopes: readonly string[];
  /** Counts of token-endpoint requests by grant_type ("authorization_code", "refresh_token"). */
  tokenRequests: { authorization_code: number; refresh_token: number };
  /** What the next interactions answer: "approve" (default) or "deny" (access_denied). */
  setConsent(answer: "approve" | "deny"): void;
  /** Lifetime in seconds of access tokens issued from now on (default 3600). */
  setAccessTokenTtl(seconds: number): void;
  /** Checks an access token against the provider (introspection) → true if the provider accepts it. */
  accepts(accessToken: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface OAuthServerOptions {
  redirectUris: string[];
  tokenAuthMethod?: "client_secret_basic" | "client_secret_post";
}

/** The account every interaction logs in as. */
export const ACCOUNT_ID = "user-1";

const SCOPES = ["openid", "offline_access", "read"] as const;
const INTERACTION_PATH = /^\/interaction\/([\w-]+)$/;
const ROUTES = {
  authorization: "/authorize",
  token: "/token",
  userinfo: "/userinfo",
  introspection: "/introspect",
  revocation: "/revoke",
  jwks: "/jwks",
} as const;
const CLIENT_AUTHENTICATED_PATHS = new Set<string>([ROUTES.token, ROUTES.introspection, ROUTES.revocation]);

export async function startOAuthServer(options: OAuthServerOptions): Promise<OAuthServer> {
  const { default: ProviderClass, interactionPolicy } = await loadOidcProvider();
  const tokenAuthMethod = options.tokenAuthMethod ?? "client_secret_basic";
  const clientId = `connvault-test-${randomBytes(6).toString("hex")}`;
  const clientSecret = randomBytes(32).toString("base64url");
  const tokenRequests = { authorization_code: 0, refresh_token: 0 };
  let consent: "approve" | "deny" = "approve";
  let accessTokenTtl = 3600;

  // The issuer has to name the port, so listen first and attach the provider once it exists.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  // Every authorization request goes through an interaction (even with a live session and an earlier grant),
  // so that setConsent() decides the next authorization whatever the user agent remembers.
  const policy = interactionPolicy.base();
  policy
    .get("consent")
    ?.checks.add(
      new interactionPolicy.Check(
        "fixture_always_asks",
        "the test provider asks on every authorization request",
        (ctx) => !ctx.oidc.result?.consent,
      ),
    );

  const configuration: Configuration = {
    adapter: createMemoryAdapter(),
    jwks: { keys: [signingKey()] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        redirect_uris: options.redirectUris,
        token_endpoint_auth_method: tokenAuthMethod,
      },
    ],
    scopes: [...SCOPES],
    claims: { openid: ["sub"] },
    responseTypes: ["code"],
    routes: ROUTES,
    // Signed cookies. Over plain http the provider leaves `Secure` off by itself (it only sets it when the
    // request is secure), and SameSite=Lax survives top-level redirects, so browsers keep them on 127.0.0.1.
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true, allowedPolicy: ownToken },
      revocation: { enabled: true, allowedPolicy: ownToken },
      userinfo: { enabled: true },
    },
    pkce: { required: () => true },
    // Like most real providers (and RFC 6749 §4.1.3): the token request must repeat the redirect_uri.
    allowOmittingSingleRegisteredRedirectUri: false,
    // Refresh tokens for every code grant, not only when offline_access was requested (the default) …
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    // … rotated on every use; presenting a rotated one again revokes the whole grant (reuse detection).
    rotateRefreshToken: true,
    // Tokens outlive the browser session that produced them.
    expiresWithSession: async () => false,
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // Explicit values for everything whose default would print a notice.
    ttl: {
      AccessToken: () => accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
      Interaction: 3600,
    },
    clientBasedCORS: () => false,
    renderError: (ctx, out) => {
      ctx.type = "text/plain";
      ctx.body = Object.entries(out)
        .map(([key, value]) => `${key}: ${String(value)}`)
        .join("\n");
    },
  };

  const provider = new ProviderClass(issuer, configuration);
  const countTokenRequest = (grantType: unknown) => {
    if (grantType === "authorization_code" || grantType === "refresh_token") {
      tokenRequests[grantType] += 1;
    }
  };
  provider.use(async (ctx, next) => {
    if (ctx.method === "GET") {
      const uid = INTERACTION_PATH.exec(ctx.path)?.[1];
      if (uid !== undefined) {
        await finishInteraction(provider, ctx as unknown as KoaContextWithOIDC, consent);
        return;
      }
    }
    if (ctx.method !== "POST" || !CLIENT_AUTHENTICATED_PATHS.has(ctx.path)) {
      return next();
    }
    // oidc-provider takes client_secret_basic and client_secret_post interchangeably; real providers may not, so
    // the fixture holds the client to its registered method (a Basic header exactly when that is the method).
    const sentBasic = /^basic /i.test(ctx.get("authorization"));
    if (sentBasic !== (tokenAuthMethod === "client_secret_basic")) {
      const form = new URLSearchParams(await readText(ctx.req));
      if (ctx.path === ROUTES.token) {
        countTokenRequest(form.get("grant_type"));
      }
      ctx.status = 401;
      ctx.set("cache-control", "no-store");
      if (tokenAuthMethod === "client_secret_basic") {
        ctx.set("www-authenticate", `Basic realm="${issuer}"`);
      }
      ctx.body = {
        error: "invalid_client",
        error_description: `client authentication failed: the client must use ${tokenAuthMethod}`,
      };
      return;
    }
    if (ctx.path !== ROUTES.token) {
      return next();
    }
    try {
      await next();
    } finally {
      // The provider has parsed the form by now, whether or not the request succeeded.
      countTokenRequest((ctx as unknown as KoaContextWithOIDC).oidc?.body?.grant_type);
    }
  });
  server.on("request", provider.callback());

  const introspectionUrl = `${issuer}${ROUTES.introspection}`;
  const clientAuth = (body: URLSearchParams): Record<string, string> => {
    if (tokenAuthMethod === "client_secret_post") {
      body.set("client_id", clientId);
      body.set("client_secret", clientSecret);
      return {};
    }
    return { authorization: basicAuthorization(clientId, clientSecret) };
  };

  return {
    issuer,
    authorizationUrl: `${issuer}${ROUTES.authorization}`,
    tokenUrl: `${issuer}${ROUTES.token}`,
    userinfoUrl: `${issuer}${ROUTES.userinfo}`,
    introspectionUrl,
    revocationUrl: `${issuer}${ROUTES.revocation}`,
    clientId,
    clientSecret,
    scopes: SCOPES,
    tokenRequests,
    setConsent(answer) {
      consent = answer;
    },
    setAccessTokenTtl(seconds) {
      if (!Number.isInteger(seconds) || seconds <= 0) {
        throw new RangeError(`access token TTL must be a positive integer of seconds, got ${seconds}`);
      }
      accessTokenTtl = seconds;
    },
    async accepts(accessToken) {
      const body = new URLSearchParams({ token: accessToken, token_type_hint: "access_token" });
      const headers = { "content-type": "application/x-www-form-urlencoded", ...clientAuth(body) };
      const response = await fetch(introspectionUrl, { method: "POST", headers, body });
      if (!response.ok) {
        throw new Error(`introspection failed: ${response.status} ${await response.text()}`);
      }
      const result = (await response.json()) as { active?: boolean; token_type?: string };
      // Refresh tokens introspect as active too, but without a token_type; only access tokens count here.
      return result.active === true && typeof result.token_type === "string";
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** RFC 6749 §2.3.1: both parts form-urlencoded before they are joined and base64-encoded. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString("base64")}`;
}

/** Per-call state of {@link followToRedirect}'s user agent; pass one to several calls to keep their cookies. */
export type CookieJar = Map<string, { host: string; path: string; name: string; value: string }>;

export function createCookieJar(): CookieJar {
  return new Map();
}

/**
 * Plays the browser: GETs `url` and follows 3xx redirects (keeping cookies, per call unless a jar is passed)
 * until one points at a URL starting with `stopAt` (the client's redirect_uri), which it returns without
 * requesting. Throws on any non-redirect response.
 */
export async function followToRedirect(
  url: string,
  stopAt: string,
  jar: CookieJar = createCookieJar(),
): Promise<URL> {
  let current = new URL(url);
  for (let hop = 0; hop < 20; hop++) {
    const cookie = cookieHeader(jar, current);
    const response = await fetch(current, { redirect: "manual", headers: cookie ? { cookie } : {} });
    storeCookies(jar, current, response.headers.getSetCookie());
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || location === null) {
      const body = await response.text();
      throw new Error(
        `expected a redirect from ${current.href}, got ${response.status}: ${body.slice(0, 500)}`,
      );
    }
    await response.body?.cancel();
    const next = new URL(location, current);
    if (next.href.startsWith(stopAt)) {
      return next;
    }
    current = next;
  }
  throw new Error(`more than 20 redirects without reaching ${stopAt}`);
}

async function readText(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function finishInteraction(
  provider: Provider,
  ctx: KoaContextWithOIDC,
  consent: "approve" | "deny",
): Promise<void> {
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  let result: InteractionResults;
  if (consent === "deny") {
    result = { error: "access_denied", error_description: "The user denied consent" };
  } else {
    const { params, prompt } = interaction;
    const grant =
      (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined) ??
      new provider.Grant({ accountId: ACCOUNT_ID, clientId: String(params.client_id) });
    if (typeof params.scope === "string") {
      grant.addOIDCScope(params.scope);
    }
    const missingClaims = prompt.details.missingOIDCClaims;
    if (Array.isArray(missingClaims)) {
      grant.addOIDCClaims(missingClaims.map(String));
    }
    result = { login: { accountId: ACCOUNT_ID }, consent: { grantId: await grant.save() } };
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

function ownToken(_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string }) {
  return token.clientId === client.clientId;
}

/** In-memory storage per server (the provider's built-in one is process-wide and announces itself). */
function createMemoryAdapter(): (name: string) => Adapter {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number | undefined }>();
  const live = (key: string) => {
    const entry = store.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry;
  };
  const findBy = (model: string, match: (payload: AdapterPayload) => boolean) => {
    for (const key of store.keys()) {
      const entry = key.startsWith(`${model}:`) ? live(key) : undefined;
      if (entry && match(entry.payload)) {
        return structuredClone(entry.payload);
      }
    }
    return undefined;
  };
  return (model) => {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const expiresAt = expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000;
        store.set(key(id), { payload: structuredClone(payload), expiresAt });
      },
      async find(id) {
        const entry = live(key(id));
        return entry && structuredClone(entry.payload);
      },
      async findByUid(uid) {
        return findBy(model, (payload) => payload.uid === uid);
      },
      async findByUserCode(userCode) {
        return findBy(model, (payload) => payload.userCode === userCode);
      },
      async consume(id) {
        const entry = live(key(id));
        if (entry) {
          entry.payload.consumed = Math.floor(Date.now() / 1000);
        }
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        for (const [storedKey, entry] of store) {
          if (storedKey.startsWith(`${model}:`) && entry.payload.grantId === grantId) {
            store.delete(storedKey);
          }
        }
      },
    };
  };
}

let rsaKey: JWK | undefined;
/** One RS256 key per test process (generating RSA keys is slow); ID tokens need an RSA key by default. */
function signingKey(): JWK {
  rsaKey ??= {
    ...(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }) as JWK),
    use: "sig",
    alg: "RS256",
  };
  return rsaKey;
}

let oidcProvider: Promise<typeof import("oidc-provider")> | undefined;
/**
 * oidc-provider 9 prints "Unsupported runtime" once at import on anything older than Node 22 LTS; that one line
 * is muted here (the fixture works on Node 20, which is what this repository targets).
 */
function loadOidcProvider(): Promise<typeof import("oidc-provider")> {
  oidcProvider ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).includes("oidc-provider WARNING: Unsupported runtime")) {
        warn(...args);
      }
    };
    try {
      return await import("oidc-provider");
    } finally {
      console.warn = warn;
    }
  })();
  return oidcProvider;
}

function cookieHeader(jar: CookieJar, url: URL): string {
  return [...jar.values()]
    .filter(
      (cookie) =>
        cookie.host === url.host &&
        (url.pathname === cookie.path ||
          url.pathname.startsWith(cookie.path.endsWith("/") ? cookie.path : `${cookie.path}/`)),
    )
    .sort((a, b) => b.path.length - a.path.length)
    .map((cookie) => `${cookie.name}=${cookie.value}`)
    .join("; ");
}

function storeCookies(jar: CookieJar, url: URL, setCookies: string[]): void {
  for (const header of setCookies) {
    const [pair = "", ...attributes] = header.split(";").map((part) => part.trim());
    const separator = pair.indexOf("=");
    if (separator <= 0) {
      continue;
    }
    const name = pair.slice(0, separator);
    const value = pair.slice(separator + 1);
    // RFC 6265 §5.1.4 default-path: the request path up to its last "/".
    let path = url.pathname.slice(0, url.pathname.lastIndexOf("/")) || "/";
    let expired = false;
    for (const attribute of attributes) {
      const [rawKey = "", ...rest] = attribute.split("=");
      const attributeValue = rest.join("=");
      switch (rawKey.toLowerCase()) {
        case "path":
          path = attributeValue.startsWith("/") ? attributeValue : path;
          break;
        case "max-age":
          expired ||= Number(attributeValue) <= 0;
          break;
        case "expires":
          expired ||= Date.parse(attributeValue) <= Date.now();
          break;
      }
    }
    const key = `${url.host} ${path} ${name}`;
    if (expired) {
      jar.delete(key);
    } else {
      jar.set(key, { host: url.host, path, name, value });
    }
  }
}
