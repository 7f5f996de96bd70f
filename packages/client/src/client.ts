import createClient, {
  type ClientPathsWithMethod,
  type Client as FetchClient,
  type FetchResponse,
  type HeadersOptions,
  type MaybeOptionalInit,
  mergeHeaders,
} from "openapi-fetch";
import type { paths } from "./generated/schema.ts";
import { type RetryOptions, retrying } from "./retry.ts";

export interface ConnvaultClientOptions {
  /** connvault's origin, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` unless a request carries its own `Authorization`. */
  apiKey?: string;
  /** Retries on 429 and 503 (and network errors) of requests that may be sent twice; `false`: none. */
  retry?: RetryOptions | false;
  /** The fetch to send with (one attempt each call); default `globalThis.fetch`. */
  fetch?: (request: Request) => Promise<Response>;
}

/** What a call may add to openapi-fetch's options. */
export interface CallOptions {
  /**
   * A POST's Idempotency-Key: by default a random UUID per call, reused by that call's retries; a
   * string of your own (so a rerun replays); `false` for none (the POST is then not retried).
   */
  idempotencyKey?: string | false;
}

type Api = FetchClient<paths>;
type Method = "get" | "put" | "post" | "delete" | "patch";
type PathOf<M extends Method> = ClientPathsWithMethod<Api, M>;
type Init<M extends Method, P extends PathOf<M>> = MaybeOptionalInit<paths[P], M>;
type Args<I> = undefined extends I ? [init?: I & CallOptions] : [init: I & CallOptions];
/** The success branch of openapi-fetch's answer: errors are thrown as ConnvaultError instead. */
type Answer<M extends Method, P extends PathOf<M>, I> = paths[P][M] extends infer O extends Record<
  string,
  unknown
>
  ? Exclude<FetchResponse<O, I, `${string}/${string}`>, { error: unknown }>
  : never;
type Data<M extends Method, P extends PathOf<M>, I> = Answer<M, P, I>["data"];

type DataMethod<M extends Method> = <P extends PathOf<M>, I extends Init<M, P>>(
  path: P,
  ...init: Args<I>
) => Promise<Data<M, P, I>>;
type ResponseMethod<M extends Method> = <P extends PathOf<M>, I extends Init<M, P>>(
  path: P,
  ...init: Args<I>
) => Promise<Answer<M, P, I>>;

/** The GET routes that list: `{data, next_cursor}` pages, or unified.to's bare arrays (`limit`/`offset`). */
export type ListPath = {
  [P in PathOf<"get">]: Item<P> extends never ? never : P;
}[PathOf<"get">];
/** An item of a list route. */
export type Item<P extends PathOf<"get">> =
  Data<"get", P, unknown> extends { data: (infer T)[] }
    ? T
    : Data<"get", P, unknown> extends (infer T)[]
      ? T
      : never;

export interface ConnvaultClient {
  /** Each returns the answer's body; any non-2xx answer is thrown as a ConnvaultError. */
  GET: DataMethod<"get">;
  POST: DataMethod<"post">;
  PUT: DataMethod<"put">;
  PATCH: DataMethod<"patch">;
  DELETE: DataMethod<"delete">;
  /** The same calls answering openapi-fetch's `{data, response}`, for headers (`ETag`, `Location`, `Idempotent-Replayed`). */
  withResponse: {
    GET: ResponseMethod<"get">;
    POST: ResponseMethod<"post">;
    PUT: ResponseMethod<"put">;
    PATCH: ResponseMethod<"patch">;
    DELETE: ResponseMethod<"delete">;
  };
  /** Every item of a list, page after page (following `next_cursor`, or `offset` for unified.to's list). */
  paginate<P extends ListPath, I extends Init<"get", P>>(path: P, ...init: Args<I>): AsyncGenerator<Item<P>>;
  /**
   * A call through a connection (`/v1/connections/{id}/proxy/{path}`): the upstream's answer as it is,
   * whatever its status; connvault's own refusals are thrown as ConnvaultError. Redirects are returned.
   */
  proxy(connectionId: string, path: string, init?: RequestInit): Promise<Response>;
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** A client of connvault's API over `fetch`: ESM, no Node built-ins, for Node 20+ and browsers. */
export function createConnvaultClient(options: ConnvaultClientOptions): ConnvaultClient {
  const { baseUrl, apiKey, retry = {}, fetch = (request: Request) => globalThis.fetch(request) } = options;
  const send = retry === false ? retrying(fetch, { maxRetries: 0 }) : retrying(fetch, retry);
  const transport = (request: Request) => {
    if (apiKey && !request.headers.has("authorization"))
      request.headers.set("authorization", `Bearer ${apiKey}`);
    return send(request);
  };
  const api = createClient<paths>({ baseUrl, fetch: transport });

  // Untyped inside: the types above hold for callers, and openapi-fetch checks nothing at run time.
  type RawInit = CallOptions & { headers?: HeadersOptions; params?: { query?: Record<string, unknown> } };
  const request = api.request as unknown as (
    method: string,
    path: string,
    init: object,
  ) => Promise<{ data?: unknown }>;
  const call =
    (method: (typeof METHODS)[number]) =>
    (path: string, { idempotencyKey, ...init }: RawInit = {}) => {
      const key =
        method === "POST" && idempotencyKey !== false ? (idempotencyKey ?? crypto.randomUUID()) : undefined;
      const headers = mergeHeaders(key ? { "idempotency-key": key } : {}, init.headers);
      return request(method, path, { ...init, headers });
    };
  const withResponse = Object.fromEntries(
    METHODS.map((m) => [m, call(m)]),
  ) as ConnvaultClient["withResponse"];
  const data = Object.fromEntries(
    METHODS.map((m) => [m, async (path: string, init?: RawInit) => (await call(m)(path, init)).data]),
  ) as Pick<ConnvaultClient, (typeof METHODS)[number]>;
  const get = call("GET");

  async function* paginate(path: string, init: RawInit = {}) {
    const query: Record<string, unknown> = { ...init.params?.query };
    for (;;) {
      const { data: page } = await get(path, { ...init, params: { ...init.params, query } });
      if (Array.isArray(page)) {
        yield* page;
        // unified.to's list: the next offset, until a page is empty or shorter than the limit asked
        // (without one, the server's default applies, so only an empty page ends it).
        const limit = query.limit === undefined ? undefined : Number(query.limit);
        if (page.length === 0 || (limit !== undefined && page.length < limit)) return;
        query.offset = Number(query.offset ?? 0) + page.length;
      } else {
        const { data: items, next_cursor } = page as { data: unknown[]; next_cursor: string | null };
        yield* items;
        if (!next_cursor) return;
        query.cursor = next_cursor;
      }
    }
  }

  return {
    ...data,
    withResponse,
    paginate: paginate as ConnvaultClient["paginate"],
    proxy(connectionId, path, init = {}) {
      const url = `${baseUrl.replace(/\/+$/, "")}/v1/connections/${encodeURIComponent(connectionId)}/proxy/${path.replace(/^\/+/, "")}`;
      return transport(new Request(url, { redirect: "manual", ...init }));
    },
  };
}
