/** The outcome of one AWS JSON 1.1 operation served by the edge. */
export interface AwsJsonResponse {
  status: number;
  body: unknown;
}

/** An AWS-style service error: HTTP 400 with `{__type, Message}` on the wire. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const ok = (body: unknown): AwsJsonResponse => ({ status: 200, body });

export const toErrorResponse = (error: AwsServiceError): AwsJsonResponse => ({
  status: error.status,
  body: { __type: error.code, Message: error.message },
});
