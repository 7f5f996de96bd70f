import { generateApiKey } from "@connvault/core";
import type { ServiceOverrides } from "@connvault/functions";
import { bootLocal, generateServerKey, type LocalStack } from "@connvault/local";
import { serve } from "@hono/node-server";
import type { InitializeMiddleware, MetadataBearer } from "@smithy/types";
import { expect } from "vitest";
import { addMiddleware } from "./middleware.ts";

export interface RecordedCall {
  service: "dynamodb" | "secretsmanager";
  command: string;
  input: Record<string, unknown>;
}

export interface Harness extends LocalStack {
  rootApiKey: string;
  /** What the HMAC keys are derived from (CONNVAULT_SERVER_KEY), for a process that must sign alike. */
  serverKey: string;
  /** Every AWS command the services sent, recorded by SDK middleware on the real clients. */
  calls: RecordedCall[];
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** Serves the app over real HTTP on a free loopback port, for third-party clients. */
  listen(): Promise<{ url: string; close(): Promise<void> }>;
}

export interface RequestOptions {
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request to the API as a client sends it: the key as a bearer token, a body as JSON. */
export const apiRequestInit = (
  method: string,
  { key, body, headers = {} }: RequestOptions = {},
): RequestInit => ({
  method,
  headers: {
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...(body !== undefined ? { "content-type": "application/json" } : {}),
    ...headers,
  },
  ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
});

/** connvault over an in-memory embedded backend, with every AWS call recorded. */
export async function startHarness(
  options: { env?: Record<string, string>; overrides?: ServiceOverrides } = {},
): Promise<Harness> {
  const rootApiKey = generateApiKey();
  const serverKey = generateServerKey();
  const stack = await bootLocal({
    rootApiKey,
    env: {
      CONNVAULT_TABLE: "connvault-test",
      CONNVAULT_LOG_LEVEL: "SILENT",
      CONNVAULT_SERVER_KEY: serverKey,
      ...options.env,
    },
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  const calls: RecordedCall[] = [];
  const record =
    (service: RecordedCall["service"]): InitializeMiddleware<object, MetadataBearer> =>
    (next, context) =>
    (args) => {
      calls.push({
        service,
        command: context.commandName ?? "unknown",
        input: args.input as Record<string, unknown>,
      });
      return next(args);
    };
  addMiddleware(stack.services.clients.dynamo, "recordCalls", record("dynamodb"));
  addMiddleware(stack.services.clients.secrets, "recordCalls", record("secretsmanager"));
  return {
    ...stack,
    rootApiKey,
    serverKey,
    calls,
    listen() {
      return new Promise((resolve) => {
        const server = serve({ fetch: stack.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
          resolve({
            url: `http://127.0.0.1:${info.port}`,
            close: () => new Promise<void>((done) => server.close(() => done())),
          }),
        );
      });
    },
    // What one local port serves (api, oauth and proxy routes), as npm start does.
    async request(method, path, options) {
      return stack.fetch(new Request(new URL(path, "http://localhost"), apiRequestInit(method, options)));
    },
  };
}

export interface TestOrganization {
  id: string;
  adminKey: string;
  adminUserId: string;
  /** Issues a member key for a new (or given) user of this organization. */
  member(userId?: string): Promise<{ key: string; userId: string }>;
}

/** A new organization with random ids, so tests never share mutable fixtures. */
export async function createOrganization(h: Harness, name = "Test org"): Promise<TestOrganization> {
  const res = await h.request("POST", "/v1/organizations", { key: h.rootApiKey, body: { name } });
  if (res.status !== 201) throw new Error(`create organization: ${res.status} ${await res.text()}`);
  const org = (await res.json()) as { id: string; admin_api_key: { key: string; user_id: string } };
  return {
    id: org.id,
    adminKey: org.admin_api_key.key,
    adminUserId: org.admin_api_key.user_id,
    async member(userId = `user_${Math.random().toString(36).slice(2)}`) {
      const created = await h.request("POST", "/v1/api-keys", {
        key: org.admin_api_key.key,
        body: { user_id: userId, role: "member" },
      });
      if (created.status !== 201)
        throw new Error(`create member key: ${created.status} ${await created.text()}`);
      return { key: ((await created.json()) as { key: string }).key, userId };
    },
  };
}

/** A Response, or another transport's answer (the deployment simulation's, a raw socket's). */
type Answer = Response | { status: number };

/** Asserts an answer's status; when it differs, the message is the answer's body (a Response's is read from a clone). */
export async function expectStatus<A extends Answer>(answer: A | Promise<A>, status: number): Promise<A> {
  const res = await answer;
  const body =
    res instanceof Response
      ? res.bodyUsed
        ? "(body already read)"
        : await res.clone().text()
      : JSON.stringify(res);
  expect(res.status, body).toBe(status);
  return res;
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/**
 * Registers an OAuth2 client for a catalog connector with the root key, as the README shows (the
 * connector as GET returns it, plus the client), so its connections can wait for an authorization.
 */
export async function configureOAuthClient(h: Harness, connectorId: string): Promise<void> {
  const path = `/v1/connectors/${connectorId}`;
  const read = await expectStatus(h.request("GET", path, { key: h.rootApiKey }), 200);
  const { id: _, oauth2, ...connector } = await json<{ id: string; oauth2: Record<string, unknown> }>(read);
  const { client_secret_configured: __, ...client } = oauth2;
  const body = {
    ...connector,
    oauth2: { ...client, client_id: "test-client", client_secret: "test-secret" },
  };
  await expectStatus(h.request("PUT", path, { key: h.rootApiKey, body }), 200);
}
