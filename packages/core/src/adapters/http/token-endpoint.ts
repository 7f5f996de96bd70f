import { OAuthProviderError } from "../../oauth/oauth.errors.ts";
import { TokenResponse } from "../../oauth/oauth.ts";
import type { ClientCredentials, TokenEndpoint } from "../../oauth/token-endpoint.port.ts";
import type { OutboundResponse } from "../../proxy/outbound.port.ts";
import {
  DestinationNotAllowedError,
  UpstreamResponseTooLargeError,
  UpstreamTimeoutError,
} from "../../proxy/proxy.errors.ts";
import { SafeHttp } from "./safe-http.ts";

/** The most of a token response read; a token response is a few hundred bytes. */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/**
 * RFC 6749 token requests through connvault's one outbound client ({@link SafeHttp}), with
 * client_secret_basic or client_secret_post: only public addresses or `allowedNetworks`, redirects
 * never followed (they would re-send the code, the PKCE verifier and the client secret), the body read
 * up to {@link MAX_TOKEN_RESPONSE_BYTES}, and `timeoutMs` bounding the whole exchange.
 */
export class HttpTokenEndpoint implements TokenEndpoint {
  private readonly http: SafeHttp;
  private readonly timeoutMs: number;

  constructor({
    allowedNetworks,
    timeoutMs = 10_000,
  }: { allowedNetworks: readonly string[]; timeoutMs?: number }) {
    this.timeoutMs = timeoutMs;
    this.http = new SafeHttp({
      allowedNetworks,
      timeoutMs,
      connectTimeoutMs: Math.min(5_000, timeoutMs),
      maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES,
    });
  }

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
    let response: OutboundResponse;
    try {
      response = await this.http.send({
        url: new URL(config.token_url),
        method: "POST",
        headers: Object.entries(headers),
        body: new TextEncoder().encode(body.toString()),
      });
    } catch (error) {
      throw this.failure(error);
    }
    if (response.status >= 300 && response.status < 400) {
      throw new OAuthProviderError(
        `The provider's token endpoint answered a redirect (${response.status}), which is not followed`,
      );
    }
    const text = Buffer.from(response.body).toString("utf8");
    const ok = response.status >= 200 && response.status < 300;
    if (!ok) {
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

  /** The outbound client's refusal, as the provider error the OAuth2 pages and the resolver show. */
  private failure(error: unknown): OAuthProviderError {
    if (error instanceof UpstreamTimeoutError) {
      return new OAuthProviderError(
        `The provider's token endpoint did not answer within ${this.timeoutMs / 1000} s`,
      );
    }
    if (error instanceof UpstreamResponseTooLargeError) {
      return new OAuthProviderError(
        `The provider's token response is larger than ${MAX_TOKEN_RESPONSE_BYTES / 1024} KiB`,
      );
    }
    if (error instanceof DestinationNotAllowedError) {
      return new OAuthProviderError("The provider's token endpoint is at an address connvault may not call");
    }
    return new OAuthProviderError("The provider's token endpoint could not be reached");
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
