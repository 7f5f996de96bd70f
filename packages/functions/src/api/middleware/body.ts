import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env.ts";
import { problem } from "../problems.ts";

export const MAX_BODY_BYTES = 256 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Bodies are JSON (415 otherwise) of at most 256 KiB (413 otherwise). */
export const jsonBodies: MiddlewareHandler<AppEnv>[] = [
  async (c, next) => {
    const hasBody = c.req.header("content-length") !== "0" && c.req.raw.body !== null;
    if (["POST", "PUT", "PATCH"].includes(c.req.method) && hasBody) {
      if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) {
        return problem(c, "unsupported_media_type", "Send the body as application/json");
      }
    }
    await next();
  },
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => problem(c, "payload_too_large", "The request body exceeds 256 KiB"),
  }),
];
