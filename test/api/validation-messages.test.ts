import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrganization,
  expectStatus,
  type Harness,
  json,
  startHarness,
  type TestOrganization,
} from "../helpers/harness.ts";

type Problem = { code: string; detail: string; errors?: { path: string; code: string; message: string }[] };

const HEADER_NAME_RULE = "header names are letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)";
/** A pasted credential where a key name goes: it must appear nowhere in an answer. */
const CANARY = "sk_live_CANARY7f3a9";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function problemOf(res: Response, status: number): Promise<{ problem: Problem; text: string }> {
  await expectStatus(res, status);
  const text = await res.text();
  return { problem: JSON.parse(text) as Problem, text };
}

const create = (org: TestOrganization, body: unknown, connector = "stripe") =>
  h.request("POST", `/v1/connectors/${connector}/connections`, { key: org.adminKey, body });

describe("validation messages", () => {
  it("says a missing field is required, in the error and in the detail", async () => {
    const org = await createOrganization(h);

    const { problem } = await problemOf(await create(org, {}), 422);

    expect(problem).toMatchObject({ code: "validation_failed", detail: "name is required" });
    expect(problem.errors).toEqual([{ path: "name", code: "invalid_type", message: "name is required" }]);
  });

  it("counts the other problems in the detail", async () => {
    const org = await createOrganization(h);

    const { problem } = await problemOf(
      await create(org, { access_scope: "team", is_service_account: "yes" }),
      422,
    );

    expect(problem.detail).toBe("name is required (and 2 more problems)");
    expect(problem.errors?.map((error) => error.message).sort()).toEqual([
      "access_scope must be personal or organizational",
      "is_service_account must be a boolean",
      "name is required",
    ]);
  });

  it("says a missing nonoptional field on /unified/connection is required", async () => {
    const org = await createOrganization(h);

    const res = await h.request("POST", "/unified/connection", {
      key: org.adminKey,
      body: { integration_type: "stripe", categories: ["crm"] },
    });

    const { problem } = await problemOf(res, 422);
    expect(problem.detail).toBe("permissions is required");
    expect(problem.errors).toEqual([
      { path: "permissions", code: "invalid_type", message: "permissions is required" },
    ]);
  });

  it("lists an enum's values", async () => {
    const org = await createOrganization(h);

    const { problem } = await problemOf(await create(org, { name: "x", access_scope: "team" }), 422);

    expect(problem.errors).toEqual([
      {
        path: "access_scope",
        code: "invalid_value",
        message: "access_scope must be personal or organizational",
      },
    ]);
  });

  it("names the type a field must have", async () => {
    const org = await createOrganization(h);
    const created = await expectStatus(await create(org, { name: "x" }), 201);
    const { id } = await json<{ id: string }>(created);

    const res = await h.request("PATCH", `/v1/connections/${id}`, {
      key: org.adminKey,
      body: { is_paused: "no" },
    });

    const { problem } = await problemOf(res, 422);
    expect(problem.detail).toBe("is_paused must be a boolean");
    expect(problem.errors).toEqual([
      { path: "is_paused", code: "invalid_type", message: "is_paused must be a boolean" },
    ]);
  });

  it("suggests the closest known field for an unknown one", async () => {
    const org = await createOrganization(h);

    const { problem } = await problemOf(await create(org, { name: "x", acess_scope: "personal" }), 422);

    expect(problem.detail).toBe("unknown field acess_scope; did you mean access_scope?");
    expect(problem.errors).toEqual([
      {
        path: "acess_scope",
        code: "unrecognized_keys",
        message: "unknown field acess_scope; did you mean access_scope?",
      },
    ]);
  });

  it("suggests nothing for an unknown field that is close to no known one", async () => {
    const org = await createOrganization(h);

    const { problem } = await problemOf(await create(org, { name: "x", frobnicate: true }), 422);

    expect(problem.errors).toEqual([
      { path: "frobnicate", code: "unrecognized_keys", message: "unknown field frobnicate" },
    ]);
  });
});

describe("validation messages about write-only fields", () => {
  it("says what a header name may contain, without echoing the name", async () => {
    const org = await createOrganization(h);

    for (const name of [`${CANARY} x`, `${CANARY}:`]) {
      const { problem, text } = await problemOf(
        await create(org, { name: "x", headers: { [name]: "v" } }),
        422,
      );

      expect(problem.detail).toBe(HEADER_NAME_RULE);
      expect(problem.errors).toEqual([{ path: "headers", code: "invalid_key", message: HEADER_NAME_RULE }]);
      expect(text).not.toContain(CANARY);
    }
  });

  it("names neither a header nor its value when the value is wrong", async () => {
    const org = await createOrganization(h);

    const { problem, text } = await problemOf(
      await create(org, { name: "x", headers: { [CANARY]: 42 } }),
      422,
    );

    expect(problem.errors).toEqual([
      { path: "headers", code: "invalid_type", message: "header values must be a string" },
    ]);
    expect(text).not.toContain(CANARY);
  });

  it("never echoes, nor suggests for, an unknown key inside security or auth", async () => {
    const org = await createOrganization(h);
    const security = { authMethod: "bearer", token: "t", [CANARY]: CANARY, tokne: "x" };

    const fromV1 = await problemOf(await create(org, { name: "x", security }), 422);
    const fromUnified = await problemOf(
      await h.request("POST", "/unified/connection", {
        key: org.adminKey,
        body: {
          integration_type: "stripe",
          permissions: [],
          categories: [],
          auth: { [CANARY]: "x", tokn: "y" },
        },
      }),
      422,
    );

    expect(fromV1.problem.errors).toEqual([
      { path: "security", code: "unrecognized_keys", message: "unknown field in security" },
    ]);
    expect(fromUnified.problem.errors).toEqual([
      { path: "auth", code: "unrecognized_keys", message: "unknown field in auth" },
    ]);
    for (const { text } of [fromV1, fromUnified]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toMatch(/tokne?|did you mean/);
    }
  });

  it("lists the auth methods without quoting the one sent", async () => {
    const org = await createOrganization(h);

    const { problem, text } = await problemOf(
      await create(org, { name: "x", security: { authMethod: CANARY } }),
      422,
    );

    expect(problem.errors).toEqual([
      {
        path: "security.authMethod",
        code: "invalid_union",
        message: "security.authMethod must be apiKey, basic, bearer or oauth2",
      },
    ]);
    expect(text).not.toContain(CANARY);
  });
});

describe("unknown connector ids", () => {
  it("suggests the closest connector id, ignoring case", async () => {
    const org = await createOrganization(h);

    for (const [id, detail] of [
      ["strpe", "No connector with id strpe; did you mean stripe?"],
      ["Stripe", "No connector with id Stripe; did you mean stripe?"],
      ["nothing-like-it", "No connector with id nothing-like-it"],
    ]) {
      const { problem } = await problemOf(await create(org, { name: "x" }, id), 404);
      expect(problem).toMatchObject({ code: "connector_not_found", detail });
    }
    const read = await problemOf(await h.request("GET", "/v1/connectors/slak", { key: org.adminKey }), 404);
    expect(read.problem.detail).toBe("No connector with id slak; did you mean slack?");
  });

  it("suggests it for unified.to's integration_type too", async () => {
    const org = await createOrganization(h);
    const res = await h.request("POST", "/unified/connection", {
      key: org.adminKey,
      body: { integration_type: "strpe", permissions: [], categories: [] },
    });

    const { problem } = await problemOf(res, 422);
    expect(problem.errors?.[0]).toMatchObject({
      path: "integration_type",
      code: "unknown_connector",
      message: "No connector strpe in the catalog; did you mean stripe?",
    });
  });

  it("costs at most one catalog Query on the 404 path, none once the list is cached, and no Scan", async () => {
    const org = await createOrganization(h);
    const commandsOf = async (id: string) => {
      const before = h.calls.length;
      await problemOf(await create(org, { name: "x" }, id), 404);
      return h.calls.slice(before).map((call) => call.command);
    };

    const first = await commandsOf("hubspto");
    const second = await commandsOf("airtabel");

    expect(first.filter((command) => command === "QueryCommand").length).toBeLessThanOrEqual(1);
    expect(second).not.toContain("QueryCommand");
    expect([...first, ...second]).not.toContain("ScanCommand");
  });
});

describe("whole numbers in query strings", () => {
  it("refuses an empty, spaced or fractional value instead of reading it as 0", async () => {
    const org = await createOrganization(h);

    for (const query of [
      "/unified/connection?offset=",
      "/unified/connection?limit=%205",
      "/v1/connections?limit=",
      "/v1/connections?limit=2.5",
      "/v1/credential-reads?limit=",
      "/v1/proxy-calls?limit=1e1",
    ]) {
      const { problem } = await problemOf(await h.request("GET", query, { key: org.adminKey }), 422);
      expect(problem.code, query).toBe("validation_failed");
    }
    const negative = await problemOf(
      await h.request("GET", "/unified/connection?offset=-1", { key: org.adminKey }),
      422,
    );
    expect(negative.problem.detail).toMatch(/^offset /);
    await expectStatus(h.request("GET", "/unified/connection?offset=0&limit=5", { key: org.adminKey }), 200);
  });
});
