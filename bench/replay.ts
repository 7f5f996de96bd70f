import { Readable } from "node:stream";
import type { HttpHandlerOptions, HttpRequest, HttpResponse } from "@smithy/types";

export type Handler = {
  handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }>;
};

/** Records one HTTP answer per AWS operation, then answers every later request from memory. */
export class ReplayHandler implements Handler {
  private readonly answers = new Map<
    string,
    { statusCode: number; headers: Record<string, string>; body: Buffer }
  >();
  recording = true;

  constructor(private readonly real: Handler) {}

  async handle(request: HttpRequest, options?: HttpHandlerOptions) {
    const target = request.headers["x-amz-target"] ?? "";
    if (this.recording) {
      const { response } = await this.real.handle(request, options);
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      this.answers.set(target, {
        statusCode: response.statusCode,
        headers: response.headers,
        body: Buffer.concat(chunks),
      });
    }
    const answer = this.answers.get(target);
    if (!answer) throw new Error(`nothing recorded for ${target}`);
    return {
      response: {
        statusCode: answer.statusCode,
        headers: answer.headers,
        body: Readable.from([answer.body]),
      },
    };
  }
}

/**
 * Puts a replay in front of an SDK client's request handler. A cached middleware stack keeps the
 * request handler it was resolved with: the client resolves afresh while the replay records, and
 * `cacheAgain()` caches again, as in production, once recording stops.
 */
export function replayAnswers(client: { config: object }) {
  const config = client.config as { requestHandler: Handler; cacheMiddleware: boolean };
  const replay = new ReplayHandler(config.requestHandler);
  config.requestHandler = replay;
  config.cacheMiddleware = false;
  return Object.assign(replay, {
    /** Stops recording: every later request is answered from memory, through a cached stack. */
    cacheAgain() {
      replay.recording = false;
      config.cacheMiddleware = true;
    },
  });
}
