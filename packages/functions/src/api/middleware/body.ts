import { PayloadTooLargeError, protoKeyErrors, ValidationError, validationSummary } from "@connvault/core";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env.ts";
import { UnsupportedMediaTypeError } from "../http-errors.ts";

export const MAX_BODY_BYTES = 256 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Over HTTP/1.1 a request has a body only with Content-Length or Transfer-Encoding (RFC 9112 §6.3),
 * although @hono/node-server gives every POST a body stream; other adapters give null for none.
 */
const declaresBody = (request: Request, env: unknown) => {
  const length = request.headers.get("content-length");
  if (length !== null || request.headers.has("transfer-encoding")) return length !== "0";
  return request.body !== null && !(env as { incoming?: unknown } | undefined)?.incoming;
};

/**
 * Bodies are JSON (415 otherwise) of at most 256 KiB (413 otherwise). Every PUT and PATCH declares a
 * required body, so one without a body is refused (422) rather than read as `{}`; a POST without one is
 * read as `{}` and answered by its route (`…/authorize` declares none).
 */
export const jsonBodies: MiddlewareHandler<AppEnv>[] = [
  async (c, next) => {
    if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
    if (!declaresBody(c.req.raw, c.env)) {
      if (c.req.method === "POST") return next();
      throw new ValidationError(`${c.req.method} needs a JSON body`, [
        { path: "", code: "required", message: "Send a JSON body" },
      ]);
    }
    if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) {
      throw new UnsupportedMediaTypeError();
    }
    await next();
  },
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new PayloadTooLargeError(`The request body exceeds ${MAX_BODY_BYTES / 1024} KiB`);
    },
  }),
  async (c, next) => {
    if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
    // Parsed once: the route's validator takes this parse from Hono's body cache. Unreadable or
    // malformed bodies are left to the validator, which answers as before.
    const body: unknown = await c.req.json().catch(() => undefined);
    const errors = protoKeyErrors(body);
    if (errors.length > 0) throw new ValidationError(validationSummary(errors), errors);
    return next();
  },
];
