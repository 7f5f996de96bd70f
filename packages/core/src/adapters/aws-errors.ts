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
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

/**
 * Translates infrastructure failures at the adapter boundary: throttling → ThrottledError (429),
 * server faults and unreachable endpoints → DependencyUnavailableError (503). Anything else is
 * returned unchanged for the adapter to handle or rethrow.
 */
export function translateAwsError(error: unknown, dependency: string): unknown {
  const aws = error as AwsError;
  if (aws?.name && THROTTLING.has(aws.name)) return new ThrottledError();
  if (aws?.$fault === "server" || (error instanceof Error && !aws.$metadata)) {
    return new DependencyUnavailableError(dependency);
  }
  return error;
}
