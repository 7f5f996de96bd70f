import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { CloudFormationCustomResourceEvent, Context } from "aws-lambda";
import type { Outcome } from "./lifecycle.ts";
import { scrub } from "./scrub.ts";

/** How the response to CloudFormation is delivered. */
export interface ResponseOptions {
  /** Pauses before each retry of the response PUT (network error or 5xx); one retry per entry. */
  responseRetryDelaysMs?: number[];
  /** Time limit of one PUT attempt. */
  responseTimeoutMs?: number;
}

/** Leaves room for the other fields: CloudFormation takes a response of at most 4 KiB. */
const MAX_REASON = 1_500;

/** A reason as it may be sent and logged: scrubbed of `secrets`, and short enough for the response. */
export const finalReason = (reason: string, secrets: string[]) => scrub(reason, secrets).slice(0, MAX_REASON);

/** PUTs the outcome to the presigned ResponseURL, retrying a network error or 5xx while time is left. */
export async function respond(
  event: CloudFormationCustomResourceEvent,
  outcome: Outcome,
  context: Context,
  logger: Logger,
  options: ResponseOptions,
): Promise<void> {
  const delays = options.responseRetryDelaysMs ?? [500, 1_000, 2_000, 4_000];
  const attemptTimeout = options.responseTimeoutMs ?? 10_000;
  const body = JSON.stringify({
    Status: outcome.status,
    Reason: outcome.reason,
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: true,
    Data: outcome.data,
  });
  // Retries stop before the Lambda's own limit: past it nobody would answer at all.
  const stopAt = Date.now() + context.getRemainingTimeInMillis() - 500;
  for (let attempt = 0; ; attempt++) {
    let problem: string;
    try {
      const limit = Math.max(1_000, Math.min(attemptTimeout, stopAt - Date.now()));
      const status = await put(event.ResponseURL, body, limit);
      if (status < 300) return;
      problem = `HTTP ${status}`;
      if (status < 500) {
        // An expired or malformed presigned URL does not get better by retrying.
        logger.error("custom resource response rejected", { problem, request_id: event.RequestId });
        return;
      }
    } catch (error) {
      problem = error instanceof Error ? error.message : "network error";
    }
    logger.warn("custom resource response not delivered", { attempt: attempt + 1, problem });
    const pause = delays[attempt];
    // Thrown, so Lambda's retry of the asynchronous invocation gets another chance to answer.
    if (pause === undefined || Date.now() + pause + 1_000 > stopAt)
      throw new Error(`The response to CloudFormation was not delivered: ${problem}`);
    await sleep(pause);
  }
}

/** PUT to the presigned S3 URL the way AWS's cfn-response module does: an empty content-type. */
function put(url: string, body: string, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  const send = target.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: "PUT",
        headers: { "content-type": "", "content-length": Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error("The response PUT timed out")));
    request.on("error", reject);
    request.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
