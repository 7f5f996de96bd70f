import { OAuthProviderError, TokenResponse } from "../../oauth/oauth.ts";
import type { ClientCredentials, TokenEndpoint } from "../../oauth/token-endpoint.ts";

/** RFC 6749 token requests over fetch, with client_secret_basic or client_secret_post. */
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
    let response: Response;
    try {
      response = await fetch(config.token_url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      throw new OAuthProviderError("The provider's token endpoint could not be reached");
    }
    const text = await response.text();
    if (!response.ok) {
      const code = safeJson(text)?.error;
      throw new OAuthProviderError(
        `The provider's token endpoint answered ${response.status}${typeof code === "string" ? ` (${code})` : ""}`,
      );
    }
    const parsed = TokenResponse.safeParse(safeJson(text));
    if (!parsed.success) throw new OAuthProviderError("The provider's token response has no access_token");
    return parsed.data;
  }
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}
