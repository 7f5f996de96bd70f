import { DomainError } from "../shared/errors.ts";

/** The resolver refuses a connection that cannot hand out credentials: paused, or without any. */
export class ConnectionUnusableError extends DomainError {
  constructor(code: "connection_paused" | "credentials_missing", message: string) {
    super(code, message);
  }
}
