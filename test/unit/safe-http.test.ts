import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  addressFilter,
  DestinationNotAllowedError,
  type OutboundRequest,
  parseAllowedNetworks,
  SafeHttp,
  type SafeHttpOptions,
  UpstreamResponseTooLargeError,
  UpstreamTimeoutError,
  UpstreamUnreachableError,
} from "@connvault/core";
import { afterEach, describe, expect, it } from "vitest";

// Every request in this file goes to a server on loopback; refused destinations are refused before connecting.

interface TestServer {
  url: (path?: string) => URL;
  port: number;
  connections: number;
  requests: { method: string; rawHeaders: string[]; body: Buffer }[];
}

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function startServer(
  respond: (req: IncomingMessage, res: ServerResponse) => void,
  host = "127.0.0.1",
): Promise<TestServer> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk);
    state.requests.push({
      method: req.method ?? "",
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks),
    });
    respond(req, res);
  });
  server.listen(0, host);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const state: TestServer = {
    url: (path = "/") => new URL(`http://${authority}${path}`),
    port,
    connections: 0,
    requests: [],
  };
  server.on("connection", () => state.connections++);
  cleanups.push(() => closeServer(server));
  return state;
}

function closeServer(server: Server) {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
}

function safeHttp(options: Partial<SafeHttpOptions> = {}) {
  const http = new SafeHttp({
    allowedNetworks: ["127.0.0.0/8", "::1/128"],
    timeoutMs: 5_000,
    connectTimeoutMs: 2_000,
    maxResponseBytes: 1024,
    ...options,
  });
  cleanups.push(() => http.close());
  return http;
}

const get = (url: URL, headers: [string, string][] = []): OutboundRequest => ({
  url,
  method: "GET",
  headers,
  body: null,
});

const headerNames = (rawHeaders: string[]) =>
  rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());

async function canListenOn(host: string): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(0, host);
    await once(server, "listening");
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

const ipv6Loopback = await canListenOn("::1");

describe("SafeHttp on an allowed network", () => {
  it("returns the status, header fields and body of the answer", async () => {
    // Arrange
    const server = await startServer((_req, res) => {
      res.writeHead(201, { "content-type": "text/plain", "x-answer": "42" }).end("hello");
    });

    // Act
    const response = await safeHttp().send(get(server.url("/things?limit=2")));

    // Assert
    expect(response.status).toBe(201);
    expect(response.headers).toContainEqual(["content-type", "text/plain"]);
    expect(response.headers).toContainEqual(["x-answer", "42"]);
    expect(Buffer.from(response.body).toString()).toBe("hello");
  });

  it("sends the method, header fields and body as given, without Host and hop-by-hop fields", async () => {
    // Arrange
    const server = await startServer((_req, res) => res.end());
    const body = new TextEncoder().encode('{"name":"Acme"}');

    // Act
    await safeHttp().send({
      url: server.url("/v1/things?x=1"),
      method: "PATCH",
      headers: [
        ["Content-Type", "application/json"],
        ["Host", "internal.example"],
        ["Connection", "x-per-hop"],
        ["X-Per-Hop", "dropped"],
        ["Keep-Alive", "timeout=5"],
        ["TE", "trailers"],
        ["Proxy-Authorization", "Basic c2VjcmV0"],
        ["X-Repeated", "one"],
        ["X-Repeated", "two"],
      ],
      body,
    });

    // Assert
    expect(server.requests).toHaveLength(1);
    const [received] = server.requests;
    expect(received?.method).toBe("PATCH");
    expect(received?.body.toString()).toBe('{"name":"Acme"}');
    const fields = received?.rawHeaders ?? [];
    expect(fields[fields.indexOf("host") + 1]).toBe(`127.0.0.1:${server.port}`);
    expect(headerNames(fields).filter((n) => n === "host")).toHaveLength(1);
    expect(fields).toEqual(expect.arrayContaining(["Content-Type", "application/json"]));
    expect(fields.filter((f) => f === "X-Repeated")).toHaveLength(2);
    expect(fields.filter((_, i) => fields[i - 1] === "X-Repeated")).toEqual(["one", "two"]);
    const names = headerNames(fields);
    for (const dropped of ["x-per-hop", "keep-alive", "te", "proxy-authorization"]) {
      expect(names).not.toContain(dropped);
    }
  });

  it("drops hop-by-hop fields of the answer and keeps repeated Set-Cookie fields apart", async () => {
    // Arrange
    const server = await startServer((_req, res) => {
      res.setHeader("Set-Cookie", ["a=1; HttpOnly", "b=2"]);
      res.setHeader("Connection", "keep-alive, x-per-hop");
      res.setHeader("X-Per-Hop", "dropped");
      res.setHeader("Keep-Alive", "timeout=5");
      res.setHeader("X-Kept", "yes");
      res.end("ok");
    });

    // Act
    const response = await safeHttp().send(get(server.url()));

    // Assert
    expect(response.headers.filter(([name]) => name.toLowerCase() === "set-cookie")).toEqual([
      ["Set-Cookie", "a=1; HttpOnly"],
      ["Set-Cookie", "b=2"],
    ]);
    const names = response.headers.map(([name]) => name.toLowerCase());
    expect(names).toContain("x-kept");
    for (const dropped of ["connection", "keep-alive", "x-per-hop", "transfer-encoding"]) {
      expect(names).not.toContain(dropped);
    }
  });

  it("returns a redirect as the answer, Location included, without following it", async () => {
    // Arrange
    const server = await startServer((_req, res) => {
      res.writeHead(302, { location: "/elsewhere" }).end();
    });

    // Act
    const response = await safeHttp().send(get(server.url("/start")));

    // Assert
    expect(response.status).toBe(302);
    expect(response.headers).toContainEqual(["location", "/elsewhere"]);
    expect(server.requests).toHaveLength(1);
  });

  it("calls localhost when 127.0.0.0/8 and ::1/128 are allowed", async () => {
    // Arrange
    const server = await startServer((_req, res) => res.end("local"));

    // Act
    const response = await safeHttp().send(get(new URL(`http://localhost:${server.port}/`)));

    // Assert
    expect(Buffer.from(response.body).toString()).toBe("local");
  });

  it.skipIf(!ipv6Loopback)("calls an IPv6 literal inside an allowed network", async () => {
    // Arrange
    const server = await startServer((_req, res) => res.end("six"), "::1");

    // Act
    const response = await safeHttp().send(get(server.url()));

    // Assert
    expect(Buffer.from(response.body).toString()).toBe("six");
  });
});

describe("SafeHttp refuses destinations outside the allowed networks before connecting", () => {
  const publicOnly = () => safeHttp({ allowedNetworks: [] });

  it("refuses an IPv4 literal and never connects", async () => {
    // Arrange
    const server = await startServer((_req, res) => res.end());

    // Act
    const sending = publicOnly().send(get(server.url()));

    // Assert
    await expect(sending).rejects.toBeInstanceOf(DestinationNotAllowedError);
    expect(server.connections).toBe(0);
  });

  it("refuses a name that resolves to loopback and never connects", async () => {
    // Arrange
    const server = await startServer((_req, res) => res.end());

    // Act
    const sending = publicOnly().send(get(new URL(`http://localhost:${server.port}/`)));

    // Assert
    await expect(sending).rejects.toBeInstanceOf(DestinationNotAllowedError);
    expect(server.connections).toBe(0);
  });

  it("refuses an IPv4-mapped IPv6 literal of loopback and never connects", async () => {
    // Arrange
    const server = await startServer((_req, res) => res.end());

    // Act
    const sending = publicOnly().send(get(new URL(`http://[::ffff:127.0.0.1]:${server.port}/`)));

    // Assert
    await expect(sending).rejects.toBeInstanceOf(DestinationNotAllowedError);
    expect(server.connections).toBe(0);
  });

  it.skipIf(!ipv6Loopback)("refuses the IPv6 loopback literal and never connects", async () => {
    // Arrange
    const server = await startServer((_req, res) => res.end(), "::1");

    // Act
    const sending = safeHttp({ allowedNetworks: ["127.0.0.0/8"] }).send(get(server.url()));

    // Assert
    await expect(sending).rejects.toBeInstanceOf(DestinationNotAllowedError);
    expect(server.connections).toBe(0);
  });

  it.each(["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/meta-data/"])(
    "refuses the cloud metadata endpoint %s at once, even with loopback allowed",
    async (url) => {
      // Arrange
      let socketsCreated = 0;
      const countSocket = () => socketsCreated++;
      subscribe("net.client.socket", countSocket);
      cleanups.push(async () => unsubscribe("net.client.socket", countSocket));
      const started = performance.now();

      // Act
      const sending = safeHttp().send(get(new URL(url)));

      // Assert
      await expect(sending).rejects.toBeInstanceOf(DestinationNotAllowedError);
      expect(performance.now() - started).toBeLessThan(500);
      expect(socketsCreated).toBe(0);
    },
  );

  it("names only the host in the error, not credentials of the request", async () => {
    // Arrange
    const server = await startServer((_req, res) => res.end());
    const url = server.url("/?api_key=query-secret");
    url.username = "user";
    url.password = "url-secret";

    // Act
    const error = await publicOnly()
      .send(get(url, [["Authorization", "Bearer header-secret"]]))
      .catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(DestinationNotAllowedError);
    expect((error as Error).message).toContain("127.0.0.1");
    expect((error as Error).message).not.toMatch(/secret|user/);
  });
});

describe("the address filter", () => {
  it.each([
    ["10.1.2.3", false],
    ["172.16.0.1", false],
    ["192.168.1.1", false],
    ["100.64.0.1", false],
    ["127.0.0.1", false],
    ["169.254.169.254", false],
    ["0.0.0.0", false],
    ["255.255.255.255", false],
    ["224.0.0.1", false],
    ["::", false],
    ["::1", false],
    ["fe80::1", false],
    ["fd00:ec2::254", false],
    ["::ffff:10.0.0.1", false],
    ["::ffff:127.0.0.1", false],
    ["64:ff9b::a9fe:a9fe", false],
    ["2002:a9fe:a9fe::", false],
    ["not-an-address", false],
    ["8.8.8.8", true],
    ["2606:4700::1111", true],
    ["::ffff:8.8.8.8", true],
  ])("allows %s only if it is public unicast: %s", (address, allowed) => {
    // Act
    const verdict = addressFilter([])(address);

    // Assert
    expect(verdict).toBe(allowed);
  });

  it("allows addresses inside an allowed network, IPv4 and IPv6 each against their own kind", () => {
    // Arrange
    const isAllowed = addressFilter(["10.0.0.0/8", "fd00::/8"]);

    // Act
    const verdicts = [
      "10.9.9.9",
      "::ffff:10.0.0.1",
      "fd00:ec2::254",
      "11.0.0.1",
      "192.168.0.1",
      "fe80::1",
    ].map(isAllowed);

    // Assert
    expect(verdicts).toEqual([true, true, true, true, false, false]);
  });
});

describe("SafeHttp bounds", () => {
  it("gives up with UpstreamTimeoutError on a server that accepts and never answers", async () => {
    // Arrange
    const server = await startServer(() => {});
    const started = performance.now();

    // Act
    const sending = safeHttp({ timeoutMs: 300 }).send(get(server.url()));

    // Assert
    await expect(sending).rejects.toBeInstanceOf(UpstreamTimeoutError);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("gives up with UpstreamTimeoutError on a body that stops coming", async () => {
    // Arrange
    const server = await startServer((_req, res) => {
      res.writeHead(200, { "content-length": "100" }).write("partial");
    });

    // Act
    const sending = safeHttp({ timeoutMs: 300 }).send(get(server.url()));

    // Assert
    await expect(sending).rejects.toBeInstanceOf(UpstreamTimeoutError);
  });

  it("answers UpstreamUnreachableError for a closed port", async () => {
    // Arrange
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    await closeServer(server);

    // Act
    const sending = safeHttp().send(get(new URL(`http://127.0.0.1:${port}/`)));

    // Assert
    await expect(sending).rejects.toBeInstanceOf(UpstreamUnreachableError);
  });

  it("answers UpstreamUnreachableError for a connection reset before the answer", async () => {
    // Arrange
    const server = await startServer((req) => req.socket.destroy());

    // Act
    const sending = safeHttp().send(get(server.url()));

    // Assert
    await expect(sending).rejects.toBeInstanceOf(UpstreamUnreachableError);
  });

  it("reads a body of exactly maxResponseBytes", async () => {
    // Arrange
    const server = await startServer((_req, res) => res.end("x".repeat(1024)));

    // Act
    const response = await safeHttp({ maxResponseBytes: 1024 }).send(get(server.url()));

    // Assert
    expect(response.body.byteLength).toBe(1024);
  });

  it("refuses a body one byte over maxResponseBytes", async () => {
    // Arrange
    const server = await startServer((_req, res) => res.end("x".repeat(1025)));

    // Act
    const sending = safeHttp({ maxResponseBytes: 1024 }).send(get(server.url()));

    // Assert
    await expect(sending).rejects.toBeInstanceOf(UpstreamResponseTooLargeError);
  });

  it("stops reading an endless body past maxResponseBytes", async () => {
    // Arrange
    const server = await startServer((_req, res) => {
      const chunk = "x".repeat(64 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
      };
      res.on("drain", pump);
      pump();
    });

    // Act
    const sending = safeHttp({ maxResponseBytes: 256 * 1024 }).send(get(server.url()));

    // Assert
    await expect(sending).rejects.toBeInstanceOf(UpstreamResponseTooLargeError);
  });
});

describe("parseAllowedNetworks", () => {
  it("parses comma-separated CIDRs, ignoring blanks", () => {
    expect(parseAllowedNetworks("127.0.0.0/8, ::1/128")).toEqual(["127.0.0.0/8", "::1/128"]);
    expect(parseAllowedNetworks(" 10.0.0.0/8 ,, ")).toEqual(["10.0.0.0/8"]);
  });

  it("parses empty text as no networks", () => {
    expect(parseAllowedNetworks("")).toEqual([]);
  });

  it("throws an error naming the entry that is not a CIDR", () => {
    expect(() => parseAllowedNetworks("127.0.0.0/8,nonsense")).toThrow(/"nonsense"/);
    expect(() => parseAllowedNetworks("10.0.0.1")).toThrow(/"10.0.0.1"/);
    expect(() => parseAllowedNetworks("10.0.0.0/33")).toThrow(/"10.0.0.0\/33"/);
  });
});
