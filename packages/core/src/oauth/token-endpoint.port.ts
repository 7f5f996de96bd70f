import type { OAuth2Config } from "../connectors/connector.ts";
import type { TokenResponse } from "./oauth.ts";

export interface ClientCredentials {
  config: Pick<OAuth2Config, "token_url" | "client_id" | "token_auth_method">;
  clientSecret: string | null;
}

/** A provider's OAuth2 token endpoint. */
export interface TokenEndpoint {
  exchangeCode(
    client: ClientCredentials,
    grant: { code: string; redirectUri: string; codeVerifier: string },
  ): Promise<TokenResponse>;
  refresh(client: ClientCredentials, refreshToken: string): Promise<TokenResponse>;
}
