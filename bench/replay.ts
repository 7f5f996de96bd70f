import { Readable } from "node:stream";
import type { HttpHandlerOptions, HttpRequest, HttpResponse } from "@smithy/types";

export type Handler = {
  handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }>;
};

type Answer = { statusCode: number; headers: Record<string, string>; body: Buffer };

/**
 * Records HTTP answers, then answers every later request from memory: the answer recorded for the same
 * request (operation and body: a GetItem of the same key), else the last one recorded for its operation
 * (a PutItem of a new item).
 */
export class ReplayHandler implements Handler {
  private readonly answers = new Map<string, Answer>();
  recording = true;

  constructor(private readonly real: Handler) {}

  async handle(request: HttpRequest, options?: HttpHandlerOptions) {
    const target = request.headers["x-amz-target"] ?? "";
    const exact = `${target}\n${bodyText(request.body)}`;
    if (this.recording) {
      const { response } = await this.real.handle(request, options);
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      const recorded = {
        statusCode: response.statusCode,
        headers: response.headers,
        body: Buffer.concat(chunks),
      };
      this.answers.set(target, recorded);
      this.answers.set(exact, recorded);
    }
    const answer = this.answers.get(exact) ?? this.answers.get(target);
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

const utf8 = new TextDecoder();

/** A request body as text: the SDK's JSON protocols send a string or bytes. */
const bodyText = (body: unknown): string =>
  typeof body === "string" ? body : body instanceof Uint8Array ? utf8.decode(body) : "";

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
