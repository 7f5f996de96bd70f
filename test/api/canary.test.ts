import { randomBytes } from "node:crypto";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient, secretsManagerClient } from "../helpers/aws.ts";
import {
  LOOPBACK_CONNECTORS,
  openSession,
  pagePath,
  startLoopbackConnectors,
} from "../helpers/connect-page.ts";
import { createOrganization, expectStatus, type Harness, json, startHarness } from "../helpers/harness.ts";
import { startLoopbackServer } from "../helpers/loopback-server.ts";
import { cookiesOf } from "../helpers/oauth-page.ts";
import { captureOutput } from "../helpers/output.ts";

let h: Harness;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  h = await startHarness({ env: { CONNVAULT_LOG_LEVEL: "DEBUG" } });
  output = captureOutput();
});

afterAll(async () => {
  output?.restore();
  await h.close();
});

describe("write-only credentials", () => {
  it("never echo a canary credential anywhere but the secret's value", async () => {
    const canary = `canary${randomBytes(12).toString("hex")}`;
    const org = await createOrganization(h);
    const responses: string[] = [];
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await h.request(method, path, {
        key: org.adminKey,
        ...(body !== undefined ? { body } : {}),
      });
      responses.push(JSON.stringify([...res.headers]), await res.text());
      return res;
    };

    // Act: happy paths, reads, and error paths that all carry the canary.
    const created = await send("POST", "/v1/connectors/stripe/connections", {
      name: "Stripe",
      security: { authMethod: "bearer", token: canary },
      headers: { "X-Tenant-Secret": canary },
    });
    const { id } = JSON.parse(responses.at(-1) ?? "{}") as { id: string };
    await expectStatus(created, 201);
    await send("POST", "/v1/connectors/twilio/connect", {
      name: "Twilio",
      security: { authMethod: "basic", username: "AC1", password: canary },
    });
    await send("POST", "/v1/connectors/datadog/connections", {
      name: "DD",
      security: { authMethod: "apiKey", apiKey: canary, headerName: "DD-API-KEY" },
    });
    await send("GET", `/v1/connections/${id}`);
    await send("GET", "/v1/connections");
    const errors = [
      await send("POST", "/v1/connectors/stripe/connections", {
        name: "x",
        security: { authMethod: "basic", username: canary, password: canary },
      }),
      await send("POST", "/v1/connectors/stripe/connections", {
        name: 7,
        security: { authMethod: "bearer", token: canary, extra: canary },
        headers: { "X-A": canary },
      }),
      await send("POST", "/v1/connectors/nope/connections", {
        name: "x",
        security: { authMethod: "bearer", token: canary },
      }),
      await send("POST", "/v1/connectors/stripe/connections", `{"name":"x","security":{"token":"${canary}"`),
      await send("POST", "/v1/connectors/stripe/connections", {
        name: "x",
        security: { authMethod: "bearer", token: canary },
        headers: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`X-${i}`, canary.repeat(250)])),
      }),
    ];
    expect(errors.map((res) => res.status)).toEqual([422, 422, 404, 400, 413]);

    // Assess: responses, logs, table items, AWS request inputs other than the secret value, secret metadata.
    expect(responses.join("\n")).not.toContain(canary);
    expect(output.written.join("")).toContain(id); // the logger did run
    expect(output.written.join("")).not.toContain(canary);

    const scan = await dynamoClient(h.edge.url).send(new ScanCommand({ TableName: "connvault-test" }));
    expect(scan.Items?.length).toBeGreaterThan(0);
    expect(JSON.stringify(scan.Items)).not.toContain(canary);

    const writes = h.calls.filter((c) => c.service === "dynamodb");
    expect(JSON.stringify(writes)).not.toContain(canary);
    const creates = h.calls.filter((c) => c.command === "CreateSecretCommand");
    for (const call of creates) {
      const { SecretString: _value, ...rest } = call.input;
      expect(JSON.stringify(rest)).not.toContain(canary);
    }

    const sm = secretsManagerClient(h.edge.url);
    const listed = await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));
    expect(listed.SecretList?.length).toBe(3);
    expect(JSON.stringify(listed)).not.toContain(canary);
    for (const secret of listed.SecretList ?? []) {
      const described = await sm.send(new DescribeSecretCommand({ SecretId: secret.ARN }));
      expect(JSON.stringify(described)).not.toContain(canary);
      const value = await sm.send(new GetSecretValueCommand({ SecretId: secret.ARN }));
      expect(value.SecretString).toContain(canary);
    }
  });

  it("never echo a canary credential through the proxy, even from an upstream that echoes everything", async () => {
    // Arrange: an upstream that answers with the whole request it got, in its headers and body.
    const canary = `canary${randomBytes(12).toString("hex")}`;
    const upstream = await startLoopbackServer((req, res, body) => {
      const echo = JSON.stringify({ url: req.url, headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json", "x-echo": encodeURIComponent(echo) });
      res.end(echo);
    });
    const org = await createOrganization(h);
    const connector = `canary-${randomBytes(4).toString("hex")}`;
    await expectStatus(
      h.request("PUT", `/v1/connectors/${connector}`, {
        key: h.rootApiKey,
        body: {
          name: "Echo",
          description: "Echoes every request",
          auth_type: "api_key",
          versions: [
            {
              version: "v1",
              servers: [{ url: upstream.url }],
              security_schema: { type: "apiKey", in: "query", name: "key" },
            },
          ],
        },
      }),
      200,
    );
    const created = await h.request("POST", `/v1/connectors/${connector}/connections`, {
      key: org.adminKey,
      body: {
        name: "Echo",
        security: { authMethod: "apiKey", apiKey: canary },
        headers: { "X-Secret": canary },
      },
    });
    await expectStatus(created, 201);
    const { id } = (await created.json()) as { id: string };
    const responses: string[] = [];

    // Act
    try {
      for (const path of ["a", "b?x=1", "%7Bkey%7D"]) {
        const res = await h.request("POST", `/v1/connections/${id}/proxy/${path}`, {
          key: org.adminKey,
          body: { note: "hello" },
        });
        responses.push(String(res.status), JSON.stringify([...res.headers]), await res.text());
      }
      const audit = await h.request("GET", "/v1/proxy-calls", { key: org.adminKey });
      responses.push(await audit.text());
    } finally {
      await upstream.close();
    }

    // Assert: the upstream got the credential; nothing the caller, the logs or the table see has it.
    expect(upstream.requests.map((r) => r.url)).toContain(`/a?key=${canary}`);
    expect(upstream.requests[0]?.headers["x-secret"]).toBe(canary);
    expect(responses.filter((_, i) => i % 3 === 0 && i < 9)).toEqual(["200", "200", "200"]);
    expect(responses.join("\n")).toContain("[REDACTED]");
    expect(responses.join("\n")).not.toContain(canary);
    expect(output.written.join("")).not.toContain(canary);
    const scan = await dynamoClient(h.edge.url).send(new ScanCommand({ TableName: "connvault-test" }));
    expect(JSON.stringify(scan.Items)).toContain("proxy_call");
    expect(JSON.stringify(scan.Items)).not.toContain(canary);
  });

  it("never echo a canary credential entered on the connect page; its events name the end user", async () => {
    const canary = `canary${randomBytes(12).toString("hex")}`;
    const upstream = await startLoopbackConnectors(h);
    const basic = LOOPBACK_CONNECTORS.basic.id;
    const org = await createOrganization(h);
    const opened = await openSession(h, org.adminKey, {
      owner: "end_user_canary",
      access_scope: "organizational",
      allowed_connectors: [basic, LOOPBACK_CONNECTORS.bearer.id],
    });
    const pages: string[] = [];
    const browse = async (init: RequestInit & { path?: string } = {}) => {
      const res = await h.fetch(new Request(`http://localhost${pagePath(opened)}${init.path ?? ""}`, init));
      pages.push(JSON.stringify([...res.headers]), await res.text());
      return res;
    };

    // Act: the form, a refused submit (a blank password, the canary as the username), then the real one.
    const form = await browse({ path: `?connector=${basic}` });
    const cookie = cookiesOf(form);
    const csrf = /name="csrf" value="([^"]+)"/.exec(pages.at(-1) ?? "")?.[1] ?? "";
    const submit = (fields: Record<string, string>) =>
      browse({
        method: "POST",
        headers: { cookie },
        body: new URLSearchParams({ connector: basic, csrf, ...fields }),
      });
    try {
      await expectStatus(submit({ username: "AC1", password: " " }), 422);
      await expectStatus(submit({ username: canary, password: `bad${canary}` }), 422);
      await expectStatus(submit({ username: "AC1", password: canary }), 200);
      await expectStatus(submit({ username: "AC1", password: canary }), 409);
    } finally {
      await upstream.close();
    }
    await h.edge.stream.drain();

    // Assert: the pages, the logs, the table and the events hold no credential; the events name the end user.
    expect(pages.join("\n")).toContain('data-outcome="success"');
    expect(pages.join("\n")).not.toContain(canary);
    expect(output.written.join("")).not.toContain(canary);
    const scan = await dynamoClient(h.edge.url).send(new ScanCommand({ TableName: "connvault-test" }));
    expect(JSON.stringify(scan.Items)).toContain("connect_session");
    expect(JSON.stringify(scan.Items)).not.toContain(canary);
    const session = await json<{ connection_id: string }>(
      await h.request("GET", `/v1/connect-sessions/${opened.id}`, { key: org.adminKey }),
    );
    const events = h.edge.events.events.filter(
      (e) => (e.detail as { connection?: { id?: string } }).connection?.id === session.connection_id,
    );
    expect(events.map((e) => e.detail_type)).toEqual(["connection.created"]);
    expect(events[0]?.detail).toMatchObject({ actor: { type: "end_user", id: "end_user_canary" } });
    expect(JSON.stringify(h.edge.events.events)).not.toContain(canary);
  });
});
