import { DependencyUnavailableError, ThrottledError } from "../shared/errors.ts";

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "LimitExceededException",
]);

interface AwsError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

/** What a timed-out or unreachable endpoint looks like (the SDK's handler or Node's sockets). */
const UNREACHABLE =
  /Timeout|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|socket hang up|NetworkingError/i;

/**
 * Translates infrastructure failures at the adapter boundary: throttling → ThrottledError (429),
 * server faults, timeouts and unreachable endpoints → DependencyUnavailableError (503). Anything
 * else (a bug, a request AWS rejects) is returned unchanged: rethrown, it is logged and answered 500.
 */
export function translateAwsError(error: unknown, dependency: string): unknown {
  const aws = error as AwsError;
  if (aws?.name && THROTTLING.has(aws.name)) return new ThrottledError();
  const unreachable = !aws?.$metadata && UNREACHABLE.test(`${aws?.name} ${aws?.code} ${aws?.message}`);
  if (aws?.$fault === "server" || unreachable) return new DependencyUnavailableError(dependency);
  return error;
}
