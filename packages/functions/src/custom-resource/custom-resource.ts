import type { Logger } from "@aws-lambda-powertools/logger";
import { DomainError, ValidationError } from "@connvault/core";
import type { CloudFormationCustomResourceEvent, Context } from "aws-lambda";
import type { CustomResourceServices } from "../composition.ts";
import { createLogger } from "../logger.ts";
import { finalReason, type ResponseOptions, respond } from "./cfn-response.ts";
import { failedOutcome, type Outcome, perform, physicalIdOf } from "./lifecycle.ts";
import { CODE_PROPERTY, propertyPath } from "./properties.ts";
import { credentialValues, scrubError } from "./scrub.ts";

export interface CustomResourceOptions extends ResponseOptions {
  /** Answer FAILED this long before the Lambda would time out, so the stack never waits for an answer. */
  timeoutMarginMs?: number;
}

/**
 * The provider behind `Custom::Connection`. Every request is answered on its presigned ResponseURL
 * with SUCCESS or FAILED, including bad properties, failures and a request about to time out, so a
 * stack never waits for an answer. It acts as an admin of the organization named in the properties:
 * whoever may invoke the function (the deployment's IAM) is the authority. Reasons and logs are built
 * from error codes, messages and property paths only, never from property values.
 */
export function createCustomResourceHandler(
  services: CustomResourceServices,
  options: CustomResourceOptions = {},
) {
  const margin = options.timeoutMarginMs ?? 5_000;
  const { logger } = services;

  return async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
    const secrets = credentialValues(event);
    const failed = (reason: string): Outcome => failedOutcome(event, reason);
    const request = {
      request_type: event.RequestType,
      stack_id: event.StackId,
      logical_resource_id: event.LogicalResourceId,
      request_id: event.RequestId,
      physical_resource_id: physicalIdOf(event),
    };
    logger.info("custom resource request", request);

    const work = perform(services.connections, event).catch((error: unknown) =>
      failed(failureReason(error, context, secrets, logger)),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Outcome>((resolve) => {
      timer = setTimeout(
        () => {
          logger.warn("custom resource request timed out", request);
          resolve(
            failed(
              `Timed out before the function's time limit (Lambda request ${context.awsRequestId}); the operation may finish later, and retrying is safe`,
            ),
          );
        },
        Math.max(0, context.getRemainingTimeInMillis() - margin),
      );
    });
    const outcome = await Promise.race([work, deadline]);
    clearTimeout(timer);

    if (outcome.reason !== undefined) outcome.reason = finalReason(outcome.reason, secrets);
    else outcome.reason = `See the details in CloudWatch Log Stream: ${context.logStreamName}`;
    logger.info("custom resource response", {
      ...request,
      status: outcome.status,
      physical_resource_id: outcome.physicalResourceId,
      reason: outcome.reason,
    });
    await respond(event, outcome, context, logger, options);
  };
}

/**
 * What a failed request tells CloudFormation: invalid properties by property path, a domain error by
 * its message and code, and anything else only as a pointer to the (scrubbed) log line.
 */
function failureReason(error: unknown, context: Context, secrets: string[], logger: Logger): string {
  if (error instanceof ValidationError && error.details.length > 0) {
    const problems = error.details.map((detail) => `${propertyPath(detail.path)}: ${detail.message}`);
    return `Invalid properties: ${problems.join("; ")}`;
  }
  if (error instanceof DomainError) {
    const property = CODE_PROPERTY[error.code];
    return `${property ? `${property}: ` : ""}${error.message} (${error.code})`;
  }
  logger.error("custom resource request failed", {
    error: scrubError(error, secrets),
    aws_request_id: context.awsRequestId,
  });
  return `Internal error; see the custom-resource function's logs for Lambda request ${context.awsRequestId}`;
}

/**
 * The Lambda entry point. The services are built on the first request (once; a success is kept),
 * not at import: when the configuration or a link is broken, that request is still answered FAILED
 * from the event alone, instead of the init crashing and CloudFormation waiting out the resource's
 * ServiceTimeout (an hour by default). Configuration errors name keys, never values.
 */
export function lazyCustomResourceHandler(
  build: () => CustomResourceServices,
  options: CustomResourceOptions = {},
) {
  let handler: ReturnType<typeof createCustomResourceHandler> | undefined;
  return async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
    try {
      handler ??= createCustomResourceHandler(build(), options);
    } catch (error) {
      const secrets = credentialValues(event);
      const logger = createLogger("INFO");
      logger.error("custom resource could not start", {
        error: scrubError(error, secrets),
        request_id: event.RequestId,
      });
      const message = error instanceof Error ? error.message : String(error);
      const reason = finalReason(`connvault custom resource could not start: ${message}`, secrets);
      return respond(event, failedOutcome(event, reason), context, logger, options);
    }
    return handler(event, context);
  };
}
