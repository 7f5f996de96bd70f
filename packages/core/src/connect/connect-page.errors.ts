import { DomainError, type ErrorCode } from "../shared/errors.ts";

/** Why the connect page cannot go on; each is a page for a person, never an API answer. */
export type ConnectPageErrorCode = Extract<ErrorCode, `connect_page_${string}`>;

export class ConnectPageError extends DomainError {
  constructor(
    override readonly code: ConnectPageErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
