import type { SecurityInput } from "./connection.ts";

/** What a connection's secret holds: the write-only fields, as JSON. */
export interface CredentialPayload {
  security?: SecurityInput;
  headers?: Record<string, string>;
}

export interface SecretOwner {
  organizationId: string;
  connectionId: string;
  connectorId: string;
}

/**
 * Where credentials go. Deliberately write-only: there is no method to read a value back, so no
 * code path of the API can leak one (the api function's IAM role cannot read secrets either).
 */
export interface CredentialVault {
  /** Creates the connection's secret; `token` makes a retry of the same operation a no-op. */
  create(owner: SecretOwner, payload: CredentialPayload, token: string): Promise<{ arn: string }>;
  /** Removes a secret: scheduled with a recovery window, or at once with `force`. */
  delete(arn: string, options: { force: boolean }): Promise<void>;
}
