import { expectStatus, type Harness, json, type TestOrganization } from "./harness.ts";

/** A connector (random id) whose only server is `server`, with the given auth type and security scheme. */
export async function putConnector(
  h: Harness,
  server: string,
  authType: string,
  scheme: Record<string, unknown> | null,
): Promise<string> {
  const id = `px-${Math.random().toString(36).slice(2, 10)}`;
  const res = await h.request("PUT", `/v1/connectors/${id}`, {
    key: h.rootApiKey,
    body: {
      name: "Proxy test",
      description: "A target system started by the test",
      auth_type: authType,
      versions: [{ version: "v1", servers: [{ url: server }], security_schema: scheme }],
    },
  });
  await expectStatus(res, 200);
  return id;
}

/** A connection of the organization's admin to `connector`; `body` adds to a name. */
export async function connect(
  h: Harness,
  org: TestOrganization,
  connector: string,
  body: Record<string, unknown>,
): Promise<string> {
  const res = await h.request("POST", `/v1/connectors/${connector}/connections`, {
    key: org.adminKey,
    body: { name: "through", ...body },
  });
  await expectStatus(res, 201);
  return (await json<{ id: string }>(res)).id;
}

/** A call through connection `id` with `key`: `rest` is the upstream path and query. */
export const proxy = (
  h: Harness,
  key: string,
  id: string,
  rest: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) =>
  h.request(init.method ?? "GET", `/v1/connections/${id}/proxy/${rest}`, {
    key,
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
