import { OAuthProviderError } from "../../oauth/oauth.errors.ts";
import { TokenResponse } from "../../oauth/oauth.ts";
import type { ClientCredentials, TokenEndpoint } from "../../oauth/token-endpoint.port.ts";

/** The most of a token response read; a token response is a few hundred bytes. */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/**
 * RFC 6749 token requests over fetch, with client_secret_basic or client_secret_post. Redirects are
 * never followed (they would re-send the code, the PKCE verifier and the client secret), the body is
 * read as a stream up to {@link MAX_TOKEN_RESPONSE_BYTES}, and `timeoutMs` bounds the whole exchange.
 */
export class HttpTokenEndpoint implements TokenEndpoint {
  constructor(private readonly timeoutMs = 10_000) {}

  exchangeCode(
    client: ClientCredentials,
    grant: { code: string; redirectUri: string; codeVerifier: string },
  ) {
    return this.request(client, {
      grant_type: "authorization_code",
      code: grant.code,
      redirect_uri: grant.redirectUri,
      code_verifier: grant.codeVerifier,
    });
  }

  refresh(client: ClientCredentials, refreshToken: string) {
    return this.request(client, { grant_type: "refresh_token", refresh_token: refreshToken });
  }

  private async request(
    { config, clientSecret }: ClientCredentials,
    params: Record<string, string>,
  ): Promise<TokenResponse> {
    const body = new URLSearchParams(params);
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    const clientId = config.client_id ?? "";
    if (clientSecret && config.token_auth_method === "client_secret_basic") {
      const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
      headers.authorization = `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString("base64")}`;
    } else {
      body.set("client_id", clientId);
      if (clientSecret) body.set("client_secret", clientSecret);
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    const failure = (what: string) =>
      new OAuthProviderError(
        signal.aborted
          ? `The provider's token endpoint did not answer within ${this.timeoutMs / 1000} s`
          : `The provider's token endpoint ${what}`,
      );
    let response: Response;
    try {
      response = await fetch(config.token_url, { method: "POST", headers, body, redirect: "manual", signal });
    } catch {
      throw failure("could not be reached");
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new OAuthProviderError(
        `The provider's token endpoint answered a redirect (${response.status}), which is not followed`,
      );
    }
    let text: string;
    try {
      text = await readAtMost(response, MAX_TOKEN_RESPONSE_BYTES);
    } catch (error) {
      throw error instanceof OAuthProviderError ? error : failure("answer could not be read");
    }
    if (!response.ok) {
      const code = safeJson(text)?.error;
      throw new OAuthProviderError(
        `The provider's token endpoint answered ${response.status}${typeof code === "string" ? ` (${code})` : ""}`,
      );
    }
    const parsed = TokenResponse.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new OAuthProviderError("The provider's token response has no valid access_token or expires_in");
    }
    return parsed.data;
  }
}

/** The body as text, read chunk by chunk; past `limit` bytes it stops reading (cancelling the stream) and throws. */
async function readAtMost(response: Response, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > limit) {
      throw new OAuthProviderError(`The provider's token response is larger than ${limit / 1024} KiB`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}
