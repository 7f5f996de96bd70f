import { lookup as dnsLookup } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import type { Agent, Dispatcher } from "undici";
import type { OutboundHttp, OutboundRequest, OutboundResponse } from "../../proxy/outbound.port.ts";
import {
  DestinationNotAllowedError,
  UpstreamResponseTooLargeError,
  UpstreamTimeoutError,
  UpstreamUnreachableError,
} from "../../proxy/proxy.errors.ts";
import { DomainError, ValidationError } from "../../shared/errors.ts";
import { addressFilter } from "./networks.ts";

/** The bounds of a {@link SafeHttp}: where it may connect, for how long, and how much it reads. */
export interface SafeHttpOptions {
  /** CIDRs that may be called although they are not public unicast (e.g. "127.0.0.0/8", "::1/128"). */
  allowedNetworks: readonly string[];
  /** Bound on the whole exchange, connect to last byte. */
  timeoutMs: number;
  /** Bound on connecting (DNS + TCP + TLS). */
  connectTimeoutMs: number;
  /** The most of a response body read; past it UpstreamResponseTooLargeError. */
  maxResponseBytes: number;
}

/** Fields that describe one connection rather than the message (RFC 9110 §7.6.1), never relayed. */
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/**
 * Request fields that are not sent besides the hop-by-hop ones: undici sets Host from the URL, and it
 * refuses Expect (the body is sent at once instead, which a server must accept).
 */
const NOT_FORWARDED = ["host", "expect"];

/**
 * The outbound HTTP client over an undici Agent. Every connection goes through one connector that
 * checks the address actually connected to — an IP literal before connecting, a name in the DNS
 * lookup the socket itself uses — so a name cannot be re-resolved elsewhere (DNS rebinding). Redirects
 * are answers, not followed; time and response size are bounded; every failure is a proxy error that
 * names only the host.
 */
export class SafeHttp implements OutboundHttp {
  private agent: Promise<Agent> | undefined;

  constructor(private readonly options: SafeHttpOptions) {}

  /**
   * The agent, made on the first call: undici is loaded then, so a function that seldom calls out
   * (the resolver refreshes a token now and then) does not evaluate it on every cold start.
   */
  private async agentFor(): Promise<Agent> {
    const { Agent, buildConnector } = await import("undici");
    const { options } = this;
    const isAllowed = addressFilter(options.allowedNetworks);
    const connectSocket = buildConnector({
      timeout: options.connectTimeoutMs,
      lookup: allowedLookup(isAllowed),
    });
    return new Agent({
      // Node's net.connect skips `lookup` for an IP literal, so a literal is checked here.
      connect: (target, callback) => {
        if (isIP(target.hostname) && !isAllowed(target.hostname)) {
          callback(new DestinationNotAllowedError(target.hostname), null);
          return;
        }
        connectSocket(target, callback);
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async send(request: OutboundRequest): Promise<OutboundResponse> {
    const { url } = request;
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ValidationError(`Only http: and https: URLs can be called, not ${url.protocol}`);
    }
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      this.agent ??= this.agentFor();
      const response = await (await this.agent).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers: endToEnd(request.headers, NOT_FORWARDED).flat(),
        body: request.body,
        signal,
        responseHeaders: "raw",
      });
      const body = await readAtMost(response.body, this.options.maxResponseBytes, url.hostname);
      // With responseHeaders: "raw", undici gives the fields as [name, value, name, value, …].
      const raw = response.headers as unknown as string[];
      return { status: response.statusCode, headers: endToEnd(pairs(raw)), body };
    } catch (error) {
      throw this.outboundError(error, url.hostname, signal);
    }
  }

  /** Closes the pooled connections once the requests under way have finished. */
  async close(): Promise<void> {
    await (await this.agent)?.close();
  }

  /** Any failure as a proxy error naming only the host: no undici error (or its message) escapes. */
  private outboundError(error: unknown, host: string, signal: AbortSignal): DomainError {
    if (error instanceof DomainError) return error;
    if (signal.aborted) return new UpstreamTimeoutError(host, this.options.timeoutMs);
    switch ((error as { code?: unknown } | null)?.code) {
      case "UND_ERR_CONNECT_TIMEOUT":
        return new UpstreamTimeoutError(host, this.options.connectTimeoutMs);
      case "UND_ERR_HEADERS_TIMEOUT":
      case "UND_ERR_BODY_TIMEOUT":
        return new UpstreamTimeoutError(host, this.options.timeoutMs);
      case "UND_ERR_INVALID_ARG":
      case "UND_ERR_NOT_SUPPORTED":
        return new ValidationError(`The request to ${host} has a method or header field that cannot be sent`);
      default:
        return new UpstreamUnreachableError(host);
    }
  }
}

/**
 * The DNS lookup the socket connects with: every address of the name, keeping only the allowed ones,
 * so the socket can only connect to an allowed address; none allowed → DestinationNotAllowedError.
 */
function allowedLookup(isAllowed: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "");
      const allowed = addresses.filter(({ address }) => isAllowed(address));
      const [first] = allowed;
      if (!first) return callback(new DestinationNotAllowedError(hostname), "");
      if (options.all) return callback(null, allowed);
      callback(null, first.address, first.family);
    });
  };
}

/** The fields without the hop-by-hop ones (those listed and those the Connection field names) and `without`. */
function endToEnd(fields: [string, string][], without: readonly string[] = []): [string, string][] {
  const dropped = new Set([...HOP_BY_HOP, ...without]);
  for (const [name, value] of fields) {
    if (name.toLowerCase() !== "connection") continue;
    for (const token of value.split(",")) dropped.add(token.trim().toLowerCase());
  }
  return fields.filter(([name]) => !dropped.has(name.toLowerCase()));
}

function pairs(flat: string[]): [string, string][] {
  const fields: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) fields.push([flat[i] as string, flat[i + 1] as string]);
  return fields;
}

/** The body, read chunk by chunk; past `limit` bytes the stream is destroyed and the read refused. */
async function readAtMost(
  body: Dispatcher.ResponseData["body"],
  limit: number,
  host: string,
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) {
      body.destroy();
      throw new UpstreamResponseTooLargeError(host, limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
