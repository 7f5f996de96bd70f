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
