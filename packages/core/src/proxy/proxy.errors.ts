import { DomainError } from "../shared/errors.ts";

/** 403: the destination resolves to an address outside the networks connvault may call. */
export class DestinationNotAllowedError extends DomainError {
  constructor(host: string) {
    super("destination_not_allowed", `${host} resolves to an address connvault is not allowed to call`);
  }
}

/** 502: the upstream could not be reached (DNS, refused or reset connection, TLS). */
export class UpstreamUnreachableError extends DomainError {
  override readonly retryable = true;

  constructor(host: string) {
    super("upstream_unreachable", `${host} could not be reached`);
  }
}

/** 504: the upstream did not answer in time. */
export class UpstreamTimeoutError extends DomainError {
  override readonly retryable = true;

  constructor(host: string, timeoutMs: number) {
    super("upstream_timeout", `${host} did not answer within ${timeoutMs / 1000} s`);
  }
}

/** 502: the upstream's answer is larger than connvault relays. */
export class UpstreamResponseTooLargeError extends DomainError {
  constructor(host: string, limitBytes: number) {
    super(
      "upstream_response_too_large",
      `${host} answered with more than ${(limitBytes / 2 ** 20).toFixed(1)} MiB, which is not relayed`,
    );
  }
}

/** 502: the upstream compressed its answer in an encoding connvault cannot read, so cannot redact. */
export class UpstreamEncodingError extends DomainError {
  constructor(host: string, encoding: string) {
    super("upstream_unreachable", `${host} answered in an encoding connvault cannot inspect (${encoding})`);
  }
}
