import { randomBytes } from "node:crypto";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { describe, expect } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { harnessTest } from "../helpers/fixtures.ts";
import { configureOAuthClient, expectStatus, json } from "../helpers/harness.ts";

// Regressions of the December security review (issue 13): items 7, 10, 14 and "Also found".

type Problem = { code: string; errors?: { path: string; message: string }[] };

/** Creating a connection as the test's organization's admin, through /v1 and through the unified routes. */
const it = harnessTest().extend<{
  create: (connector: string, body: unknown) => Promise<Response>;
  createUnified: (body: unknown) => Promise<Response>;
}>({
  create: async ({ h, org }, use) =>
    use((connector, body) =>
      h.request("POST", `/v1/connectors/${connector}/connections`, { key: org.adminKey, body }),
    ),
  createUnified: async ({ h, org }, use) =>
    use((body) =>
      h.request("POST", "/unified/connection", {
        key: org.adminKey,
        body: typeof body === "string" ? body : { permissions: [], categories: [], ...(body as object) },
      }),
    ),
});

async function expect422(res: Response, path?: string): Promise<Problem> {
  const text = await res.text();
  expect(res.status, text).toBe(422);
  const problem = JSON.parse(text) as Problem;
  if (path) expect(problem.errors?.map((e) => e.path)).toContain(path);
  return problem;
}

async function createdId(res: Response): Promise<string> {
  await expectStatus(res, 201);
  return (await json<{ id: string }>(res)).id;
}

describe("input that used to get a 500", () => {
  it("stores a metadata key named constructor (or prototype) and returns it", async ({ h, org, create }) => {
    const metadata = { constructor: "x", prototype: "y", toString: "z" };
    const res = await create("stripe", { name: "m", metadata });
    await expectStatus(res, 201);
    expect((await json(res)).metadata).toEqual(metadata);
    const id = (await json<{ id: string }>(await create("stripe", { name: "n" }))).id;
    const patched = await h.request("PATCH", `/v1/connections/${id}`, {
      key: org.adminKey,
      body: { metadata },
    });
    await expectStatus(patched, 200);
  });

  it("answers 422 for unified auth.meta nested 10,000 deep", async ({ createUnified }) => {
    const depth = 10_000;
    const body = `{"integration_type":"stripe","permissions":[],"categories":[],"auth":{"meta":{"x":${"[".repeat(depth)}${"]".repeat(depth)}}}}`;
    await expect422(await createUnified(body), "auth.meta");
    const shallow = { x: [[{ y: 1 }]] };
    const ok = await createUnified({ integration_type: "stripe", auth: { token: "t", meta: shallow } });
    await expectStatus(ok, 200);
  });
});

describe("http only on loopback", () => {
  it.for(["http://127.evil.example/cb", "http://127.0.0.1.nip.io/cb", "http://localhost.evil.example/cb"])(
    "refuses redirect_url %s whose host only looks like loopback",
    async (url, { create }) => {
      await expect422(await create("slack", { name: "r", redirect_url: url }), "redirect_url");
    },
  );

  it("accepts http on 127.0.0.0/8 literals, [::1] and localhost", async ({ h, create }) => {
    await configureOAuthClient(h, "slack");
    for (const url of ["http://127.1.2.3/cb", "http://[::1]:8080/cb", "http://localhost/cb"]) {
      const res = await create("slack", { name: "r", redirect_url: url });
      expect(res.status, `${url}: ${await res.text()}`).toBe(201);
    }
  });

  it("refuses URLs with a user name or password in redirect_url, servers and connector URLs", async ({
    h,
    create,
  }) => {
    const withUser = "https://user:pass@api.example.com/cb";
    await expect422(await create("slack", { name: "r", redirect_url: withUser }), "redirect_url");
    await expect422(
      await create("stripe", { name: "r", target_system_servers: [{ url: "https://user@api.example.com" }] }),
      "target_system_servers.0.url",
    );
    const res = await h.request("PUT", "/v1/connectors/userinfo-test", {
      key: h.rootApiKey,
      body: {
        name: "T",
        description: "",
        auth_type: "none",
        versions: [{ version: "v1", servers: [{ url: withUser }], security_schema: null }],
      },
    });
    await expectStatus(res, 422);
  });
});

describe("header fields", () => {
  const badValues = ["a\r\nX-Injected: 1", "a\nb", "a\u0000b", "a\u007fb"];

  it("refuses custom header values with control characters on create and PUT …/credentials", async ({
    h,
    org,
    create,
  }) => {
    const id = await createdId(await create("stripe", { name: "h" }));
    for (const value of badValues) {
      await expect422(await create("stripe", { name: "h", headers: { "X-Tenant": value } }), "headers");
      const put = await h.request("PUT", `/v1/connections/${id}/credentials`, {
        key: org.adminKey,
        body: { headers: { "X-Tenant": value } },
      });
      await expect422(put, "headers");
    }
    await expectStatus(create("stripe", { name: "h", headers: { "X-Tenant": "a\tb" } }), 201);
  });

  it("refuses general_params in a header with control characters or a non-token name, on create and PATCH", async ({
    h,
    org,
    create,
  }) => {
    const id = await createdId(await create("stripe", { name: "g" }));
    for (const param of [
      { name: "X-P", value: "a\r\nb", in: "header" },
      { name: "bad name", value: "v", in: "header" },
    ]) {
      await expect422(await create("stripe", { name: "g", general_params: [param] }));
      const patch = await h.request("PATCH", `/v1/connections/${id}`, {
        key: org.adminKey,
        body: { general_params: [param] },
      });
      await expect422(patch);
    }
    const query = { name: "bad name", value: "v", in: "query" };
    await expectStatus(create("stripe", { name: "g", general_params: [query] }), 201);
  });

  it("says what a header name may contain", async ({ create }) => {
    const problem = await expect422(await create("stripe", { name: "h", headers: { "bad name": "v" } }));
    expect(problem.errors?.[0]?.message).toBe(
      "header names are letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)",
    );
  });
});

describe("write-only key names", () => {
  it("never echoes key names from inside security or headers in an error", async ({ create }) => {
    const leak = "LEAKCANARY_field";
    for (const body of [
      { name: "x", security: { authMethod: "bearer", token: "t", [leak]: 1 } },
      { name: "x", headers: { [`${leak} x`]: "v" } },
      { name: "x", headers: { [leak]: "v".repeat(9000) } },
    ]) {
      const res = await create("stripe", body);
      const text = await res.text();
      expect(res.status, text).toBe(422);
      expect(text).not.toContain(leak);
    }
  });

  it("answers 422 for __proto__ keys in metadata and headers instead of dropping them", async ({
    create,
  }) => {
    for (const field of ["metadata", "headers"]) {
      for (const key of ["__proto__", "\\u005f\\u005fproto__"]) {
        const body = `{"name":"p","${field}":{"${key}":"x"}}`;
        await expect422(await create("stripe", body), `${field}.__proto__`);
      }
    }
  });
});

describe("unified create and update", () => {
  it("answers 422 for both auth_aws_arn and auth, as /v1 does", async ({ h, org, createUnified }) => {
    const { ARN: arn } = await secretsManagerClient(h.edge.url).send(
      new CreateSecretCommand({
        Name: `external/both-${randomBytes(4).toString("hex")}`,
        SecretString: '{"token":"theirs"}',
        Tags: [{ Key: "connvault:organization_id", Value: org.id }],
      }),
    );
    await expect422(
      await createUnified({ integration_type: "stripe", auth: { token: "t" }, auth_aws_arn: arn }),
      "auth_aws_arn",
    );
  });

  it.for([
    "auth_azure_keyvault_id",
    "auth_gcp_secret_name",
    "auth_hashi_vault_path",
    "secretsmanager_id",
    "secretsmanager_key",
  ])("answers 422 for %s: only AWS Secrets Manager is supported", async (field, { createUnified }) => {
    const problem = await expect422(
      await createUnified({ integration_type: "stripe", auth: { token: "t" }, [field]: "vault/x" }),
      field,
    );
    expect(problem.errors?.[0]?.message).toMatch(/only AWS Secrets Manager is supported/i);
  });

  it("checks permissions and categories against unified's enums", async ({ createUnified }) => {
    await expect422(
      await createUnified({ integration_type: "stripe", permissions: ["root"] }),
      "permissions.0",
    );
    await expect422(
      await createUnified({ integration_type: "stripe", categories: ["nope"] }),
      "categories.0",
    );
    const ok = await createUnified({
      integration_type: "stripe",
      permissions: ["payment_payment_read"],
      categories: ["payment"],
    });
    await expectStatus(ok, 200);
  });

  it("patches without integration_type and filters env case-insensitively", async ({
    h,
    org,
    createUnified,
  }) => {
    const res = await createUnified({ integration_type: "stripe", environment: "Sandbox" });
    const { id } = await json<{ id: string }>(res);
    const patched = await h.request("PATCH", `/unified/connection/${id}`, {
      key: org.adminKey,
      body: { is_paused: true },
    });
    await expectStatus(patched, 200);
    expect((await json(patched)).is_paused).toBe(true);
    const listed = await json<{ id: string }[]>(
      await h.request("GET", "/unified/connection?env=sandbox", { key: org.adminKey }),
    );
    expect(listed.map((c) => c.id)).toContain(id);
    const v1 = await json<{ data: { id: string }[] }>(
      await h.request("GET", "/v1/connections?environment=SANDBOX", { key: org.adminKey }),
    );
    expect(v1.data.map((c) => c.id)).toEqual([id]);
  });

  it("defaults environment to production on both route families", async ({ h, org, createUnified }) => {
    const unified = await json<{ environment: string }>(await createUnified({ integration_type: "stripe" }));
    const v1 = await json<{ environment: string }>(
      await h.request("POST", "/v1/connectors/stripe/connections", {
        key: org.adminKey,
        body: { name: "d" },
      }),
    );
    expect([unified.environment, v1.environment]).toEqual(["production", "production"]);
  });
});
