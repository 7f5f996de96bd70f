import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FlakyProxyOptions {
  /** Share of POST requests answered 429 (0–1). Half before forwarding, half after. Default 0.2. */
  rate?: number;
  /** Seed of the deterministic random sequence. */
  seed?: number;
  /**
   * The Retry-After of the nth injected 429 (0-based): a string, or undefined for none. Default: "1"
   * for the first three, an HTTP date one second ahead for the fourth, none for the fifth, then "0".
   */
  retryAfter?: (nth: number) => string | undefined;
}

export interface FlakyProxy {
  url: string;
  stats: {
    /** Requests seen. */
    requests: number;
    /** 429s answered without forwarding: connvault never saw the request. */
    rejectedBefore: number;
    /** 429s answered after forwarding: connvault did the work, the client lost the response. */
    rejectedAfter: number;
  };
  close(): Promise<void>;
}

const defaultRetryAfter = (nth: number): string | undefined => {
  if (nth < 3) return "1";
  if (nth === 3) return new Date(Date.now() + 1000).toUTCString();
  if (nth === 4) return undefined;
  return "0";
};

/** mulberry32: a tiny seeded PRNG, so a run injects the same faults every time. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
  "host",
  "upgrade",
]);

function forwardable(headers: IncomingHttpHeaders | Headers): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value === undefined || HOP_BY_HOP.has(name.toLowerCase())) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A loopback HTTP proxy in front of `upstream` that answers 429 to a share of POST requests, either
 * before forwarding them or after (the request took effect but its response is lost).
 */
export async function startFlakyProxy(
  upstream: string,
  options: FlakyProxyOptions = {},
): Promise<FlakyProxy> {
  const rate = options.rate ?? 0.2;
  const random = seeded(options.seed ?? 42);
  const retryAfter = options.retryAfter ?? defaultRetryAfter;
  const stats = { requests: 0, rejectedBefore: 0, rejectedAfter: 0 };
  let injected = 0;

  const reject = (res: ServerResponse) => {
    const value = retryAfter(injected++);
    res.writeHead(429, {
      "content-type": "application/problem+json",
      ...(value !== undefined ? { "retry-after": value } : {}),
    });
    res.end(
      JSON.stringify({
        type: "urn:connvault:problem:throttled",
        title: "Too Many Requests",
        status: 429,
        detail: "Injected by the test proxy",
        code: "throttled",
        request_id: "proxy",
      }),
    );
  };

  const server = createServer(async (req, res) => {
    stats.requests++;
    const roll = req.method === "POST" ? random() : 1;
    const body = await readBody(req);
    if (roll < rate / 2) {
      stats.rejectedBefore++;
      return reject(res);
    }
    try {
      const answer = await fetch(`${upstream}${req.url ?? "/"}`, {
        method: req.method ?? "GET",
        headers: forwardable(req.headers),
        ...(body.length > 0 ? { body } : {}),
      });
      const payload = Buffer.from(await answer.arrayBuffer());
      if (roll < rate) {
        stats.rejectedAfter++;
        return reject(res);
      }
      res.writeHead(answer.status, forwardable(answer.headers));
      res.end(payload);
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
