import { GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { UnifiedTo } from "@unified-api/typescript-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";
import { createOrganization, type Harness, startHarness, type TestOrganization } from "../helpers/harness.ts";

let h: Harness;
let server: { url: string; close(): Promise<void> };
let org: TestOrganization;

beforeAll(async () => {
  h = await startHarness();
  server = await h.listen();
  org = await createOrganization(h);
});
afterAll(async () => {
  await server.close();
  await h.close();
});

/** unified.to's official TypeScript SDK, pointed at connvault with a connvault key as its token. */
const sdk = (token: string) => new UnifiedTo({ serverURL: server.url, security: { jwt: token } });

describe("unified.to's official SDK against connvault", () => {
  it("creates, reads, lists, patches, updates and removes a connection", async () => {
    const client = sdk(`Bearer ${org.adminKey}`);
    const created = await client.unified.createUnifiedConnection({
      integrationType: "hubspot",
      permissions: ["crm_contact_read", "crm_deal_read"],
      categories: ["crm"],
      externalXref: "customer-42",
      auth: {
        accessToken: "hubspot-at",
        refreshToken: "hubspot-rt",
        expiryDate: new Date("2030-01-01T00:00:00Z"),
      },
    });
    expect(created).toMatchObject({
      integrationType: "hubspot",
      integrationName: "HubSpot",
      workspaceId: org.id,
      permissions: ["crm_contact_read", "crm_deal_read"],
      categories: ["crm"],
      externalXref: "customer-42",
      environment: "Production",
      isPaused: false,
    });
    expect(created.auth).toBeUndefined();
    expect(created.createdAt).toBeInstanceOf(Date);
    const id = created.id ?? "";

    const read = await client.unified.getUnifiedConnection({ id });
    expect(read.id).toBe(id);

    const listed = await client.unified.listUnifiedConnections({
      externalXref: "customer-42",
      categories: ["crm"],
    });
    expect(listed.map((c) => c.id)).toEqual([id]);
    expect(await client.unified.listUnifiedConnections({ categories: ["hris"] })).toEqual([]);

    const patched = await client.unified.patchUnifiedConnection({
      id,
      connection: {
        integrationType: "hubspot",
        permissions: ["crm_contact_read"],
        categories: ["crm"],
        isPaused: true,
      },
    });
    expect(patched).toMatchObject({ isPaused: true, permissions: ["crm_contact_read"] });

    const updated = await client.unified.updateUnifiedConnection({
      id,
      connection: { ...read, isPaused: false, auth: { accessToken: "hubspot-at-2" } },
    });
    expect(updated.isPaused).toBe(false);

    await client.unified.removeUnifiedConnection({ id });
    await expect(client.unified.getUnifiedConnection({ id })).rejects.toMatchObject({ statusCode: 404 });
  });

  it("accepts the token bare, as the SDK sends it when configured without 'Bearer'", async () => {
    const listed = await sdk(org.adminKey).unified.listUnifiedConnections({});
    expect(Array.isArray(listed)).toBe(true);
  });

  it("stores auth write-only: in the secret, never in a response", async () => {
    const canary = `unified-canary-${Math.random().toString(36).slice(2)}`;
    const created = await sdk(org.adminKey).unified.createUnifiedConnection({
      integrationType: "stripe",
      permissions: [],
      categories: ["payment"],
      auth: { token: canary },
    });
    const raw = await h.request("GET", `/unified/connection/${created.id}`, { key: org.adminKey });
    const text = await raw.text();
    expect(text).not.toContain(canary);
    const arn = JSON.parse(text).auth_aws_arn as string;
    const sm = secretsManagerClient(h.edge.url);
    const value = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(JSON.parse(value.SecretString ?? "{}")).toEqual({ auth: { token: canary } });
    const listed = await sm.send(new ListSecretsCommand({}));
    expect(JSON.stringify(listed)).not.toContain(canary);
  });

  it("rejects an unknown integration_type with a 422 the SDK surfaces", async () => {
    await expect(
      sdk(org.adminKey).unified.createUnifiedConnection({
        integrationType: "nope",
        permissions: [],
        categories: [],
      }),
    ).rejects.toMatchObject({ statusCode: 422 });
  });

  it("answers 401 to a bad token", async () => {
    await expect(sdk("Bearer cvk_wrong").unified.listUnifiedConnections({})).rejects.toMatchObject({
      statusCode: 401,
    });
  });
});
