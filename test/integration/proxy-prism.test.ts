import { fileURLToPath } from "node:url";
import { describe, expect } from "vitest";
import { harnessTest } from "../helpers/fixtures.ts";
import { json } from "../helpers/harness.ts";
import { type PrismMock, startPrism } from "../helpers/prism.ts";
import { connect, proxy, putConnector } from "../helpers/proxy.ts";

/*
 * The proxy against Stoplight Prism mocking real third-party OpenAPI documents (test/fixtures/openapi/,
 * unmodified copies) with request validation on: Prism answers the document's example only when the
 * call carries the credential where the document's security scheme wants it and every required
 * parameter is valid, else 401 (security) or 422 (parameters). Every call goes to 127.0.0.1, which the
 * harness's proxy may call (CONNVAULT_PROXY_ALLOWED_NETWORKS defaults to loopback under packages/local).
 */

const document = (name: string) => fileURLToPath(new URL(`../fixtures/openapi/${name}`, import.meta.url));

interface Mocks {
  /** Adyen Data Protection API: `BasicAuth` (HTTP basic) or `ApiKeyAuth` (header `X-API-Key`). */
  adyen: PrismMock;
  /** Resend: `bearerAuth` (HTTP bearer). */
  resend: PrismMock;
  /** Vonage Number Insight: `apiKey` and `apiSecret`, both in the query. */
  vonage: PrismMock;
}

/** `it` with a harness and the three Prism mocks, each started once for the whole file. */
const it = harnessTest().extend<{ mocks: Mocks }>({
  mocks: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const started = await Promise.allSettled([
        startPrism(document("adyen-data-protection-v1.yaml")),
        startPrism(document("resend.yaml")),
        startPrism(document("vonage-number-insight.yml")),
      ]);
      const mocks = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
      try {
        const failed = started.find((result) => result.status === "rejected");
        if (failed) throw failed.reason;
        const [adyen, resend, vonage] = mocks as [PrismMock, PrismMock, PrismMock];
        await use({ adyen, resend, vonage });
      } finally {
        await Promise.all(mocks.map((mock) => mock.close()));
      }
    },
    { scope: "file" },
  ],
});

// The documents' security scheme objects, as a connector author copies them into `security_schema`.
/** adyen-data-protection-v1.yaml `components.securitySchemes.ApiKeyAuth` */
const ADYEN_API_KEY = { in: "header", name: "X-API-Key", type: "apiKey" };
/** adyen-data-protection-v1.yaml `components.securitySchemes.BasicAuth` */
const ADYEN_BASIC = { scheme: "basic", type: "http" };
/** resend.yaml `components.securitySchemes.bearerAuth` */
const RESEND_BEARER = { type: "http", scheme: "bearer" };
/** vonage-number-insight.yml `components.securitySchemes.apiKey` (without its description) */
const VONAGE_API_KEY = { type: "apiKey", name: "api_key", in: "query" };

/** Asserts the upstream's (Prism's) answer was relayed with `status`, with Prism's output as the message. */
async function expectUpstream(res: Response, status: number, mock: PrismMock) {
  expect(res.status, `${await res.clone().text()}\n--- Prism:\n${mock.output().slice(-4_000)}`).toBe(status);
  expect(res.headers.get("x-connvault-proxy")).toBe("upstream");
  return res;
}

/** Room for the first test of a run, which waits for the harness and the three Prism mocks to start. */
const STARTUP = { timeout: 60_000 };

/** What Prism says of a request that does not meet the document's security requirements. */
const SECURITY_REFUSED = "Invalid security scheme used";

describe("Adyen Data Protection API: an API key in the X-API-Key header, or HTTP basic", STARTUP, () => {
  const erasure = { merchantAccount: "TestMerchant", pspReference: "8815329842815468", forceErasure: false };
  const results = ["ACTIVE_RECURRING_TOKEN_EXISTS", "ALREADY_PROCESSED", "PAYMENT_NOT_FOUND", "SUCCESS"];

  it("sends an apiKey connection's key in the header the document's ApiKeyAuth names", async ({
    h,
    org,
    mocks,
  }) => {
    const connector = await putConnector(h, mocks.adyen.url, "api_key", ADYEN_API_KEY);
    const id = await connect(h, org, connector, {
      security: { authMethod: "apiKey", apiKey: "AQE_adyen_key_1" },
    });

    const res = await proxy(h, org.adminKey, id, "requestSubjectErasure", { method: "POST", body: erasure });

    await expectUpstream(res, 200, mocks.adyen);
    const answer = await json<{ result: string }>(res);
    expect(results).toContain(answer.result);
  });

  it("sends a basic connection's username and password as the document's BasicAuth", async ({
    h,
    org,
    mocks,
  }) => {
    const connector = await putConnector(h, mocks.adyen.url, "basic", ADYEN_BASIC);
    const id = await connect(h, org, connector, {
      security: { authMethod: "basic", username: "ws@Company.Test", password: "adyen_pw_2" },
    });

    const res = await proxy(h, org.adminKey, id, "requestSubjectErasure", { method: "POST", body: erasure });

    await expectUpstream(res, 200, mocks.adyen);
    expect(results).toContain((await json<{ result: string }>(res)).result);
  });

  it("relays Adyen's 401 when the connector's scheme puts the key in the query instead", async ({
    h,
    org,
    mocks,
  }) => {
    const connector = await putConnector(h, mocks.adyen.url, "api_key", { ...ADYEN_API_KEY, in: "query" });
    const id = await connect(h, org, connector, {
      security: { authMethod: "apiKey", apiKey: "AQE_adyen_key_3" },
    });

    const res = await proxy(h, org.adminKey, id, "requestSubjectErasure", { method: "POST", body: erasure });

    await expectUpstream(res, 401, mocks.adyen);
    // The document has its own 401 (a ServiceError), so Prism states the violation in a header.
    expect(res.headers.get("sl-violations")).toContain(SECURITY_REFUSED);
  });

  it("relays Adyen's 422 for a body that does not match the document", async ({ h, org, mocks }) => {
    const connector = await putConnector(h, mocks.adyen.url, "api_key", ADYEN_API_KEY);
    const id = await connect(h, org, connector, {
      security: { authMethod: "apiKey", apiKey: "AQE_adyen_key_4" },
    });

    const res = await proxy(h, org.adminKey, id, "requestSubjectErasure", {
      method: "POST",
      body: { ...erasure, forceErasure: "yes" },
    });

    await expectUpstream(res, 422, mocks.adyen);
  });
});

describe("Resend: HTTP bearer", STARTUP, () => {
  it("sends a bearer connection's token as the document's bearerAuth", async ({ h, org, mocks }) => {
    const connector = await putConnector(h, mocks.resend.url, "bearer", RESEND_BEARER);
    const id = await connect(h, org, connector, {
      security: { authMethod: "bearer", token: "re_resend_tok_1" },
    });

    const res = await proxy(h, org.adminKey, id, "domains");

    await expectUpstream(res, 200, mocks.resend);
    expect(await json(res)).toMatchObject({ object: "list", data: expect.any(Array) });
  });

  it("relays Resend's 401 for a token sent bare in Authorization (an apiKey connection)", async ({
    h,
    org,
    mocks,
  }) => {
    const connector = await putConnector(h, mocks.resend.url, "api_key", {
      type: "apiKey",
      in: "header",
      name: "Authorization",
    });
    const id = await connect(h, org, connector, {
      security: { authMethod: "apiKey", apiKey: "re_resend_tok_2" },
    });

    const res = await proxy(h, org.adminKey, id, "domains");

    await expectUpstream(res, 401, mocks.resend);
    expect(await json(res)).toMatchObject({ title: SECURITY_REFUSED });
  });

  it("fills {email_id} from a general param `in: path`, without which Resend answers 422", async ({
    h,
    org,
    mocks,
  }) => {
    const connector = await putConnector(h, mocks.resend.url, "bearer", RESEND_BEARER);
    const security = { authMethod: "bearer", token: "re_resend_tok_3" };
    const withParam = await connect(h, org, connector, {
      security,
      general_params: [{ name: "email_id", value: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c", in: "path" }],
    });
    const withoutParam = await connect(h, org, connector, { security });

    const filled = await proxy(h, org.adminKey, withParam, "emails/receiving/{email_id}");
    const unfilled = await proxy(h, org.adminKey, withoutParam, "emails/receiving/{email_id}");

    await expectUpstream(filled, 200, mocks.resend);
    expect(await json(filled)).toMatchObject({ object: "email" });
    await expectUpstream(unfilled, 422, mocks.resend);
    const problem = await json<{ validation: { location: string[]; code: string }[] }>(unfilled);
    expect(problem.validation).toContainEqual(
      expect.objectContaining({ location: ["path", "email_id"], code: "format" }),
    );
  });
});

describe("Vonage Number Insight: API key and secret in the query, an enum path parameter", STARTUP, () => {
  // The document ANDs two query keys (api_key and api_secret). connvault injects one API key; the
  // secret goes in as a general param `in: query`, and the response format `{format}` as one `in: path`.
  const generalParams = [
    { name: "api_secret", value: "vonage_secret_1", in: "query" },
    { name: "format", value: "json", in: "path" },
  ];

  it("sends an apiKey connection's key in the query parameter the document's apiKey names", async ({
    h,
    org,
    mocks,
  }) => {
    const connector = await putConnector(h, mocks.vonage.url, "api_key", VONAGE_API_KEY);
    const id = await connect(h, org, connector, {
      security: { authMethod: "apiKey", apiKey: "vonage_key_1" },
      general_params: generalParams,
    });

    const res = await proxy(h, org.adminKey, id, "basic/{format}?number=447700900000");

    await expectUpstream(res, 200, mocks.vonage);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: 0, international_format_number: "447700900000" });
    expect(text).not.toMatch(/vonage_(key|secret)_1/);
  });

  it("relays Vonage's 401 when the connector's scheme puts the key in a header instead", async ({
    h,
    org,
    mocks,
  }) => {
    const connector = await putConnector(h, mocks.vonage.url, "api_key", { ...VONAGE_API_KEY, in: "header" });
    const id = await connect(h, org, connector, {
      security: { authMethod: "apiKey", apiKey: "vonage_key_2" },
      general_params: generalParams,
    });

    const res = await proxy(h, org.adminKey, id, "basic/{format}?number=447700900000");

    await expectUpstream(res, 401, mocks.vonage);
    expect(await json(res)).toMatchObject({ title: SECURITY_REFUSED });
  });

  it("needs the general params: without `format` Vonage answers 422, without `api_secret` 401", async ({
    h,
    org,
    mocks,
  }) => {
    const connector = await putConnector(h, mocks.vonage.url, "api_key", VONAGE_API_KEY);
    const security = { authMethod: "apiKey", apiKey: "vonage_key_3" };
    const noFormat = await connect(h, org, connector, {
      security,
      general_params: generalParams.filter((param) => param.name !== "format"),
    });
    const noSecret = await connect(h, org, connector, {
      security,
      general_params: generalParams.filter((param) => param.name !== "api_secret"),
    });

    const unformatted = await proxy(h, org.adminKey, noFormat, "basic/{format}?number=447700900000");
    const unsigned = await proxy(h, org.adminKey, noSecret, "basic/{format}?number=447700900000");

    await expectUpstream(unformatted, 422, mocks.vonage);
    const problem = await json<{ validation: { location: string[]; code: string }[] }>(unformatted);
    expect(problem.validation).toContainEqual(
      expect.objectContaining({ location: ["path", "format"], code: "enum" }),
    );
    await expectUpstream(unsigned, 401, mocks.vonage);
    expect(await json(unsigned)).toMatchObject({ title: SECURITY_REFUSED });
  });
});
