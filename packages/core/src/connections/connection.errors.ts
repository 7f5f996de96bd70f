import { DomainError } from "../shared/errors.ts";

export class PreconditionFailedError extends DomainError {
  constructor() {
    super("precondition_failed", "The connection changed since the ETag in If-Match was read");
  }
}

/**
 * A secret connvault did not create that it may not use: not tagged for the organization, or one
 * that Secrets Manager will not describe (on AWS a missing and an untagged one both answer AccessDenied).
 */
export class SecretNotAdoptableError extends DomainError {
  constructor(reason: string) {
    super("secret_not_adoptable", reason);
  }
}

/** The secret a record points at is gone or scheduled for deletion (changed outside connvault). */
export class SecretMissingError extends DomainError {
  constructor(id: string) {
    super(
      "secret_missing",
      `The secret of connection ${id} no longer exists; delete the connection and create it again`,
    );
  }
}

export class SecretNotManagedError extends DomainError {
  constructor() {
    super("secret_not_managed", "This connection uses an adopted secret, which connvault never changes");
  }
}

/** The secret connvault would create already exists with other contents. */
export class SecretExistsError extends DomainError {
  constructor() {
    super("secret_exists", "A secret with other contents already exists for this connection");
  }
}

/**
 * An OAuth2 connection that could never be authorized: its connector has no OAuth2 client, so the
 * browser flow a pending connection needs would end at an error page.
 */
export class OAuth2ClientNotConfiguredError extends DomainError {
  constructor(connectorId: string) {
    super(
      "oauth2_client_not_configured",
      `Connector ${connectorId} has no OAuth2 client configured, so no connection to it can be authorized. ` +
        `An administrator with the root key registers the client with PUT /v1/connectors/${connectorId} ` +
        "(the connector as GET returns it, without id and oauth2.client_secret_configured, plus " +
        "oauth2.client_id and oauth2.client_secret); " +
        "or send security.oauth2Token to store a token obtained elsewhere.",
    );
  }
}
