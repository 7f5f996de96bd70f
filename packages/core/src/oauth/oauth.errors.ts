import { DomainError, type ErrorCode } from "../shared/errors.ts";

/** The codes an {@link OAuthFlowError} carries: every `oauth_` code but the token endpoint's. */
export type OAuthFlowCode = Exclude<Extract<ErrorCode, `oauth_${string}`>, "oauth_provider_error">;

/** Everything that ends a browser authorization on the error page; the connection is unchanged. */
export class OAuthFlowError extends DomainError {
  constructor(code: OAuthFlowCode, message: string) {
    super(code, message);
  }
}

/** The provider's token endpoint refused or failed. */
export class OAuthProviderError extends DomainError {
  constructor(message: string) {
    super("oauth_provider_error", message);
  }
}
