import { randomUUID } from "node:crypto";
import {
  CreateSecretCommand,
  type CreateSecretCommandInput,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidNextTokenException,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  type ListSecretsCommandInput,
  PutSecretValueCommand,
  paginateListSecrets,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  type SecretsManagerClient,
  SecretsManagerServiceException,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from "@connvault/local";
import { afterEach, beforeEach, describe, expect, it as vitestIt } from "vitest";
import { secretsManagerClient } from "../helpers/aws.ts";

const DAY_MS = 86_400_000;
const ARN_PATTERN = new RegExp(
  `^arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:secret:(?<name>.+)-[A-Za-z0-9]{6}$`,
);

export async function rejection(call: Promise<unknown>): Promise<SecretsManagerServiceException> {
  try {
    await call;
  } catch (error) {
    return error as SecretsManagerServiceException;
  }
  throw new Error("expected the call to fail");
}

export interface SerializedRequest {
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Edits the serialized request before it is signed, to send what the SDK itself never would. */
export function rewriteRequests(
  client: SecretsManagerClient,
  rewrite: (request: SerializedRequest) => void,
): void {
  client.middlewareStack.add(
    (next) => (args) => {
      rewrite(args.request as SerializedRequest);
      return next(args);
    },
    { step: "build", priority: "high" },
  );
}

const expectAbout = (date: Date | undefined, expectedMs: number) =>
  expect(Math.abs((date?.getTime() ?? 0) - expectedMs)).toBeLessThan(60_000);

/** What AWS answers when input breaks a constraint of the API model (length, range, pattern, enum). */
const expectValidationException = (error: SecretsManagerServiceException) => {
  expect(error).toBeInstanceOf(SecretsManagerServiceException);
  expect(error.name).toBe("ValidationException");
};

export interface SecretsManagerContractOptions {
  /**
   * Cases this backend is known to answer differently from AWS, by test title, each with why and the
   * AWS documentation that settles it. They are skipped for that backend only.
   */
  knownDeviations?: Record<string, string>;
}

/**
 * The Secrets Manager behaviour connvault relies on, as AWS documents it, through the real AWS SDK.
 * Shared by the embedded emulator's integration test and the conformance suite (moto), so the two
 * backends answer the very same cases. `getEndpoint` must return an empty backend before each test
 * (the caller's own `beforeEach` runs first), in region LOCAL_REGION and account LOCAL_ACCOUNT_ID.
 */
export function describeSecretsManagerContract(
  getEndpoint: () => string,
  options: SecretsManagerContractOptions = {},
): void {
  const it = (title: string, body: () => Promise<void>) => {
    const deviation = options.knownDeviations?.[title];
    if (deviation !== undefined) vitestIt.skip(`${title} [known deviation: ${deviation}]`, body);
    else vitestIt(title, body);
  };
  let client: SecretsManagerClient;

  beforeEach(() => {
    client = secretsManagerClient(getEndpoint());
  });

  afterEach(() => {
    client.destroy();
  });

  const create = (name: string, input: Partial<CreateSecretCommandInput> = {}) =>
    client.send(new CreateSecretCommand({ Name: name, SecretString: `value of ${name}`, ...input }));
  const put = (secretId: string, value: string, token?: string) =>
    client.send(
      new PutSecretValueCommand({ SecretId: secretId, SecretString: value, ClientRequestToken: token }),
    );
  const get = (secretId: string, version: { VersionId?: string; VersionStage?: string } = {}) =>
    client.send(new GetSecretValueCommand({ SecretId: secretId, ...version }));
  const describeSecret = (secretId: string) => client.send(new DescribeSecretCommand({ SecretId: secretId }));
  const listNames = async (input: ListSecretsCommandInput = {}) =>
    (await client.send(new ListSecretsCommand(input))).SecretList?.map((entry) => entry.Name);

  describe("creating and reading", () => {
    it("creates a secret whose token becomes the current version", async () => {
      // Prepare
      const token = randomUUID();

      // Act
      const created = await create("app/db-password", { SecretString: "s3cr3t", ClientRequestToken: token });
      const read = await get("app/db-password");

      // Assess
      expect(created.ARN).toMatch(ARN_PATTERN);
      expect(created.ARN?.match(ARN_PATTERN)?.groups?.name).toBe("app/db-password");
      expect(created).toMatchObject({ Name: "app/db-password", VersionId: token });
      expect(read).toMatchObject({
        ARN: created.ARN,
        Name: "app/db-password",
        VersionId: token,
        SecretString: "s3cr3t",
        VersionStages: ["AWSCURRENT"],
      });
      expect(read.SecretBinary).toBeUndefined();
      expectAbout(read.CreatedDate, Date.now());
    });

    it("round-trips a binary value byte for byte", async () => {
      // Prepare
      const bytes = Uint8Array.from({ length: 256 }, (_, index) => index);

      // Act
      await create("binary", { SecretString: undefined, SecretBinary: bytes });
      const read = await get("binary");

      // Assess
      expect(read.SecretString).toBeUndefined();
      expect(Array.from(read.SecretBinary ?? [])).toEqual(Array.from(bytes));
    });

    it("finds a secret by name, full ARN and partial ARN", async () => {
      // Prepare
      const { ARN: arn = "" } = await create("lookup/me", { SecretString: "found" });

      // Act
      const reads = await Promise.all([get("lookup/me"), get(arn), get(arn.slice(0, -7))]);

      // Assess
      expect(reads.map((read) => read.SecretString)).toEqual(["found", "found", "found"]);
    });

    it("answers ResourceNotFoundException for an unknown secret or ARN", async () => {
      // Prepare
      const unknownArn = `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:secret:nope-AbC123`;

      // Act
      const errors = await Promise.all([
        rejection(get("nope")),
        rejection(get(unknownArn)),
        rejection(describeSecret("nope")),
        rejection(put("nope", "value")),
        rejection(client.send(new RestoreSecretCommand({ SecretId: "nope" }))),
      ]);

      // Assess
      for (const error of errors) {
        expect(error).toBeInstanceOf(ResourceNotFoundException);
        expect(error.message).toBe("Secrets Manager can't find the specified secret.");
      }
    });

    it("rejects an invalid secret name with ValidationException", async () => {
      // Act
      const errors = await Promise.all([
        rejection(create("has spaces")),
        rejection(create("x".repeat(513))),
        rejection(get("bad#id")),
      ]);

      // Assess
      for (const error of errors) {
        expect(error).toBeInstanceOf(SecretsManagerServiceException);
        expect(error.name).toBe("ValidationException");
        expect(error.message).toMatch(/^Invalid name/);
      }
    });

    it("accepts a value of exactly 65,536 bytes and rejects one byte more with ValidationException", async () => {
      // Act
      await create("at-limit", { SecretString: "x".repeat(65_536) });
      const tooLarge = await rejection(create("over-limit", { SecretString: "x".repeat(65_537) }));
      const tooLargeBinary = await rejection(
        create("over-limit-binary", { SecretString: undefined, SecretBinary: new Uint8Array(65_537) }),
      );

      // Assess
      expect((await get("at-limit")).SecretString).toHaveLength(65_536);
      expectValidationException(tooLarge);
      expectValidationException(tooLargeBinary);
      expect(await rejection(get("over-limit"))).toBeInstanceOf(ResourceNotFoundException);
    });

    it("requires exactly one of SecretString and SecretBinary", async () => {
      // Prepare
      await create("one-value");

      // Act
      const both = await rejection(create("both", { SecretBinary: new Uint8Array([1]) }));
      const neither = await rejection(
        client.send(new PutSecretValueCommand({ SecretId: "one-value", ClientRequestToken: randomUUID() })),
      );

      // Assess
      expect(both).toBeInstanceOf(InvalidParameterException);
      expect(neither).toBeInstanceOf(InvalidRequestException);
      expect(neither.message).toBe("You must provide either SecretString or SecretBinary.");
    });

    it("creates a secret without a value, whose first PutSecretValue becomes AWSCURRENT", async () => {
      // Act
      const created = await create("valueless", { SecretString: undefined });
      const unreadable = await rejection(get("valueless"));
      const described = await describeSecret("valueless");
      const first = await put("valueless", "now set");

      // Assess
      expect(created).toMatchObject({ Name: "valueless", ARN: expect.stringMatching(ARN_PATTERN) });
      expect(created.VersionId).toBeUndefined();
      expect(unreadable).toBeInstanceOf(ResourceNotFoundException);
      expect(Object.keys(described.VersionIdsToStages ?? {})).toEqual([]);
      expect(first.VersionStages).toEqual(["AWSCURRENT"]);
      expect((await get("valueless")).SecretString).toBe("now set");
    });

    it("rejects a request without a ClientRequestToken", async () => {
      // Prepare
      rewriteRequests(client, (request) => {
        const text = typeof request.body === "string" ? request.body : new TextDecoder().decode(request.body);
        const body = JSON.parse(text);
        delete body.ClientRequestToken;
        request.body = JSON.stringify(body);
      });

      // Act
      const error = await rejection(create("tokenless"));

      // Assess
      expect(error).toBeInstanceOf(InvalidRequestException);
      expect(error.message).toBe(
        "You must provide a ClientRequestToken value. We recommend a UUID-type value.",
      );
    });

    it("rejects a secret name that is already taken", async () => {
      // Prepare
      await create("taken");

      // Act
      const error = await rejection(create("taken"));

      // Assess
      expect(error).toBeInstanceOf(ResourceExistsException);
      expect(error.message).toBe("The operation failed because the secret taken already exists.");
    });

    it("replays an identical CreateSecret idempotently", async () => {
      // Prepare
      const input = { SecretString: "same", ClientRequestToken: randomUUID() };
      const first = await create("replayed", input);

      // Act
      const replay = await create("replayed", input);

      // Assess
      expect(replay).toMatchObject({ ARN: first.ARN, Name: "replayed", VersionId: first.VersionId });
      expect(Object.keys((await describeSecret("replayed")).VersionIdsToStages ?? {})).toEqual([
        first.VersionId,
      ]);
    });

    it("rejects a CreateSecret replay whose token carries a different value", async () => {
      // Prepare
      const token = randomUUID();
      await create("replayed", { SecretString: "first", ClientRequestToken: token });

      // Act
      const error = await rejection(
        create("replayed", { SecretString: "second", ClientRequestToken: token }),
      );

      // Assess
      expect(error).toBeInstanceOf(ResourceExistsException);
      expect((await get("replayed")).SecretString).toBe("first");
    });
  });

  describe("versions", () => {
    it("moves AWSCURRENT to each new version and AWSPREVIOUS to the one before", async () => {
      // Prepare
      const v1 = (await create("rotated", { SecretString: "one" })).VersionId ?? "";

      // Act
      const v2 = (await put("rotated", "two")).VersionId ?? "";
      const afterSecond = (await describeSecret("rotated")).VersionIdsToStages;
      const third = await put("rotated", "three");
      const v3 = third.VersionId ?? "";
      const afterThird = (await describeSecret("rotated")).VersionIdsToStages;

      // Assess
      expect(afterSecond).toEqual({ [v1]: ["AWSPREVIOUS"], [v2]: ["AWSCURRENT"] });
      expect(third.VersionStages).toEqual(["AWSCURRENT"]);
      expect(afterThird).toEqual({ [v2]: ["AWSPREVIOUS"], [v3]: ["AWSCURRENT"] });
      expect((await get("rotated")).SecretString).toBe("three");
      expect((await get("rotated", { VersionStage: "AWSPREVIOUS" })).SecretString).toBe("two");
      expect((await get("rotated", { VersionId: v1 })).SecretString).toBe("one");
    });

    it("ignores a PutSecretValue replay with the same token and value", async () => {
      // Prepare
      const v1 = (await create("idempotent", { SecretString: "one" })).VersionId ?? "";
      const token = randomUUID();
      await put("idempotent", "two", token);

      // Act
      const replay = await put("idempotent", "two", token);

      // Assess
      expect(replay).toMatchObject({ VersionId: token, VersionStages: ["AWSCURRENT"] });
      expect((await describeSecret("idempotent")).VersionIdsToStages).toEqual({
        [v1]: ["AWSPREVIOUS"],
        [token]: ["AWSCURRENT"],
      });
    });

    it("rejects a reused ClientRequestToken with a different value", async () => {
      // Prepare
      await create("reused");
      const token = randomUUID();
      await put("reused", "two", token);

      // Act
      const error = await rejection(put("reused", "different", token));

      // Assess
      expect(error).toBeInstanceOf(ResourceExistsException);
      expect((await get("reused")).SecretString).toBe("two");
    });

    it("attaches custom VersionStages without moving AWSCURRENT", async () => {
      // Prepare
      const v1 = (await create("staged", { SecretString: "current" })).VersionId ?? "";

      // Act
      const pending = await client.send(
        new PutSecretValueCommand({
          SecretId: "staged",
          SecretString: "pending",
          VersionStages: ["AWSPENDING"],
        }),
      );

      // Assess
      expect(pending.VersionStages).toEqual(["AWSPENDING"]);
      expect((await get("staged")).VersionId).toBe(v1);
      expect((await get("staged", { VersionStage: "AWSPENDING" })).SecretString).toBe("pending");
    });

    it("rejects a VersionStage that does not belong to the requested VersionId", async () => {
      // Prepare
      const v1 = (await create("mismatch")).VersionId ?? "";
      await put("mismatch", "two");

      // Act
      const error = await rejection(get("mismatch", { VersionId: v1, VersionStage: "AWSCURRENT" }));

      // Assess
      expect(error).toBeInstanceOf(InvalidRequestException);
      expect(error.message).toBe(
        "You provided a VersionStage that is not associated to the provided VersionId.",
      );
    });

    it("answers ResourceNotFoundException for an unknown version or stage", async () => {
      // Prepare
      await create("versionless");

      // Act
      const unknownVersion = await rejection(get("versionless", { VersionId: randomUUID() }));
      const unknownStage = await rejection(get("versionless", { VersionStage: "AWSPREVIOUS" }));

      // Assess
      expect(unknownVersion).toBeInstanceOf(ResourceNotFoundException);
      expect(unknownStage).toBeInstanceOf(ResourceNotFoundException);
      expect(unknownStage.message).toBe(
        "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
      );
    });

    // AWS removes unlabeled versions past 100, but never one created less than 24 hours ago.
    it("keeps every version created in the last 24 hours, even past 100", async () => {
      // Prepare
      const oldest = (await create("many-versions", { SecretString: "0" })).VersionId ?? "";
      const second = (await put("many-versions", "1")).VersionId ?? "";

      // Act
      for (let index = 2; index <= 102; index++) await put("many-versions", String(index));

      // Assess
      expect((await get("many-versions", { VersionId: oldest })).SecretString).toBe("0");
      expect((await get("many-versions", { VersionId: second })).SecretString).toBe("1");
      expect((await get("many-versions")).SecretString).toBe("102");
    });
  });

  describe("metadata and tags", () => {
    it("describes a secret, omitting the fields it does not have", async () => {
      // Prepare
      const created = await create("described", {
        Description: "database password",
        KmsKeyId: "alias/connvault",
        Tags: [{ Key: "team", Value: "core" }],
      });
      await create("bare");

      // Act
      const described = await describeSecret("described");
      const bare = await describeSecret("bare");

      // Assess
      expect(described).toMatchObject({
        ARN: created.ARN,
        Name: "described",
        Description: "database password",
        KmsKeyId: "alias/connvault",
        Tags: [{ Key: "team", Value: "core" }],
        VersionIdsToStages: { [created.VersionId ?? ""]: ["AWSCURRENT"] },
      });
      expectAbout(described.CreatedDate, Date.now());
      expectAbout(described.LastChangedDate, Date.now());
      for (const field of ["Description", "KmsKeyId", "Tags", "LastAccessedDate", "DeletedDate"] as const) {
        expect(bare[field]).toBeUndefined();
      }
    });

    it("records the day of the last GetSecretValue as LastAccessedDate", async () => {
      // Prepare
      await create("accessed");

      // Act
      await get("accessed");
      const { LastAccessedDate } = await describeSecret("accessed");

      // Assess
      expect(LastAccessedDate?.getTime()).toBe(Math.floor(Date.now() / DAY_MS) * DAY_MS);
    });

    it("upserts tags by key and removes them by key", async () => {
      // Prepare
      await create("tagged", {
        Tags: [
          { Key: "team", Value: "core" },
          { Key: "env", Value: "dev" },
        ],
      });

      // Act
      await client.send(
        new TagResourceCommand({
          SecretId: "tagged",
          Tags: [
            { Key: "env", Value: "prod" },
            { Key: "owner", Value: "ops" },
          ],
        }),
      );
      const afterTag = (await describeSecret("tagged")).Tags;
      await client.send(new UntagResourceCommand({ SecretId: "tagged", TagKeys: ["team", "absent"] }));
      const afterUntag = (await describeSecret("tagged")).Tags;

      // Assess
      expect(afterTag).toEqual([
        { Key: "team", Value: "core" },
        { Key: "env", Value: "prod" },
        { Key: "owner", Value: "ops" },
      ]);
      expect(afterUntag).toEqual([
        { Key: "env", Value: "prod" },
        { Key: "owner", Value: "ops" },
      ]);
    });
  });

  describe("deletion", () => {
    it("schedules deletion after 30 days by default", async () => {
      // Prepare
      const { ARN } = await create("doomed");

      // Act
      const deleted = await client.send(new DeleteSecretCommand({ SecretId: "doomed" }));
      const described = await describeSecret("doomed");

      // Assess
      expect(deleted).toMatchObject({ ARN, Name: "doomed" });
      expectAbout(deleted.DeletionDate, Date.now() + 30 * DAY_MS);
      expectAbout(described.DeletedDate, Date.now());
    });

    it("schedules deletion after the given recovery window", async () => {
      // Prepare
      await create("doomed");

      // Act
      const deleted = await client.send(
        new DeleteSecretCommand({ SecretId: "doomed", RecoveryWindowInDays: 7 }),
      );

      // Assess
      expectAbout(deleted.DeletionDate, Date.now() + 7 * DAY_MS);
    });

    it("rejects a recovery window outside 7 to 30 days or combined with a forced delete", async () => {
      // Prepare
      await create("kept");
      const remove = (options: { RecoveryWindowInDays?: number; ForceDeleteWithoutRecovery?: boolean }) =>
        rejection(client.send(new DeleteSecretCommand({ SecretId: "kept", ...options })));

      // Act
      const errors = await Promise.all([
        remove({ RecoveryWindowInDays: 6 }),
        remove({ RecoveryWindowInDays: 31 }),
        remove({ RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }),
      ]);

      // Assess
      for (const error of errors) expect(error).toBeInstanceOf(InvalidParameterException);
      expect((await describeSecret("kept")).DeletedDate).toBeUndefined();
    });

    it("refuses reads, writes and tags on a secret scheduled for deletion but still describes it", async () => {
      // Prepare
      await create("scheduled");
      await client.send(new DeleteSecretCommand({ SecretId: "scheduled" }));

      // Act
      const errors = await Promise.all([
        rejection(get("scheduled")),
        rejection(put("scheduled", "new value")),
        rejection(
          client.send(new TagResourceCommand({ SecretId: "scheduled", Tags: [{ Key: "k", Value: "v" }] })),
        ),
      ]);
      const described = await describeSecret("scheduled");

      // Assess
      for (const error of errors) {
        expect(error).toBeInstanceOf(InvalidRequestException);
        expect(error.message).toBe(
          "You can't perform this operation on the secret because it was marked for deletion.",
        );
      }
      expect(described.DeletedDate).toBeInstanceOf(Date);
    });

    it("rejects deleting a secret that is already scheduled for deletion", async () => {
      // Prepare
      await create("scheduled");
      await client.send(new DeleteSecretCommand({ SecretId: "scheduled" }));

      // Act
      const error = await rejection(client.send(new DeleteSecretCommand({ SecretId: "scheduled" })));

      // Assess
      expect(error).toBeInstanceOf(InvalidRequestException);
    });

    it("keeps the name of a scheduled secret reserved", async () => {
      // Prepare
      await create("reserved");
      await client.send(new DeleteSecretCommand({ SecretId: "reserved" }));

      // Act
      const error = await rejection(create("reserved"));

      // Assess
      expect(error).toBeInstanceOf(InvalidRequestException);
      expect(error.message).toMatch(/already scheduled for deletion/);
    });

    it("hides a scheduled secret from ListSecrets unless IncludePlannedDeletion is set", async () => {
      // Prepare
      await create("alive");
      await create("scheduled");
      await client.send(new DeleteSecretCommand({ SecretId: "scheduled" }));

      // Act
      const visible = await listNames();
      const all = await client.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));

      // Assess
      expect(visible).toEqual(["alive"]);
      expect(all.SecretList?.map((entry) => entry.Name)).toEqual(["alive", "scheduled"]);
      expect(all.SecretList?.[1]?.DeletedDate).toBeInstanceOf(Date);
    });

    it("restores a scheduled secret to a readable one", async () => {
      // Prepare
      const { ARN } = await create("restored", { SecretString: "back" });
      await client.send(new DeleteSecretCommand({ SecretId: "restored" }));

      // Act
      const restored = await client.send(new RestoreSecretCommand({ SecretId: "restored" }));

      // Assess
      expect(restored).toMatchObject({ ARN, Name: "restored" });
      expect((await describeSecret("restored")).DeletedDate).toBeUndefined();
      expect((await get("restored")).SecretString).toBe("back");
      expect(await listNames()).toEqual(["restored"]);
    });

    it("removes a secret at once on a forced delete and frees its name", async () => {
      // Prepare
      const { ARN } = await create("forced", { SecretString: "old" });

      // Act
      const deleted = await client.send(
        new DeleteSecretCommand({ SecretId: "forced", ForceDeleteWithoutRecovery: true }),
      );
      const restoreError = await rejection(client.send(new RestoreSecretCommand({ SecretId: "forced" })));
      const recreated = await create("forced", { SecretString: "new" });

      // Assess
      expect(deleted).toMatchObject({ ARN, Name: "forced" });
      expectAbout(deleted.DeletionDate, Date.now());
      expect(restoreError).toBeInstanceOf(ResourceNotFoundException);
      expect(recreated.ARN).not.toBe(ARN);
      expect((await get("forced")).SecretString).toBe("new");
    });

    it("force-deletes a secret that is already scheduled for deletion", async () => {
      // Prepare
      await create("scheduled");
      await client.send(new DeleteSecretCommand({ SecretId: "scheduled" }));

      // Act
      await client.send(new DeleteSecretCommand({ SecretId: "scheduled", ForceDeleteWithoutRecovery: true }));

      // Assess
      expect(await rejection(describeSecret("scheduled"))).toBeInstanceOf(ResourceNotFoundException);
    });

    it("answers a forced delete of a missing secret as if it existed", async () => {
      // Act
      const deleted = await client.send(
        new DeleteSecretCommand({ SecretId: "never-existed", ForceDeleteWithoutRecovery: true }),
      );

      // Assess
      expect(deleted.Name).toBe("never-existed");
      expect(deleted.ARN).toMatch(ARN_PATTERN);
      expectAbout(deleted.DeletionDate, Date.now());
    });
  });

  describe("listing", () => {
    it("pages through every secret with paginateListSecrets", async () => {
      // Prepare
      const names = ["s1", "s2", "s3", "s4", "s5"];
      for (const name of names) await create(name);

      // Act
      const pages: string[][] = [];
      for await (const page of paginateListSecrets({ client, pageSize: 2 }, {})) {
        pages.push(page.SecretList?.map((entry) => entry.Name ?? "") ?? []);
      }

      // Assess
      expect(pages).toEqual([["s1", "s2"], ["s3", "s4"], ["s5"]]);
    });

    it("lists entries with SecretVersionsToStages and sorts them by creation", async () => {
      // Prepare
      const { VersionId } = await create("first", { Description: "the first" });
      await create("second");

      // Act
      const ascending = await client.send(new ListSecretsCommand({}));
      const descending = await listNames({ SortOrder: "desc" });

      // Assess
      expect(ascending.SecretList?.[0]).toMatchObject({
        Name: "first",
        Description: "the first",
        SecretVersionsToStages: { [VersionId ?? ""]: ["AWSCURRENT"] },
      });
      expect(ascending.SecretList?.[0]).not.toHaveProperty("VersionIdsToStages");
      expect(ascending.NextToken).toBeUndefined();
      expect(descending).toEqual(["second", "first"]);
    });

    it("rejects MaxResults outside 1 to 100 with ValidationException and a forged NextToken", async () => {
      // Act
      const tooFew = await rejection(client.send(new ListSecretsCommand({ MaxResults: 0 })));
      const tooMany = await rejection(client.send(new ListSecretsCommand({ MaxResults: 101 })));
      const forged = await rejection(client.send(new ListSecretsCommand({ NextToken: "forged" })));

      // Assess
      expectValidationException(tooFew);
      expectValidationException(tooMany);
      expect(forged).toBeInstanceOf(InvalidNextTokenException);
    });

    it("filters by name prefix, case-sensitively, and negates with !", async () => {
      // Prepare
      for (const name of ["prod/db", "prod/api", "dev/db", "Prod/legacy"]) await create(name);

      // Act
      const prefixed = await listNames({ Filters: [{ Key: "name", Values: ["prod/"] }] });
      const negated = await listNames({ Filters: [{ Key: "name", Values: ["!prod/"] }] });
      const either = await listNames({ Filters: [{ Key: "name", Values: ["dev", "Prod"] }] });

      // Assess
      expect(prefixed).toEqual(["prod/db", "prod/api"]);
      expect(negated).toEqual(["dev/db", "Prod/legacy"]);
      expect(either).toEqual(["dev/db", "Prod/legacy"]);
    });

    it("filters by tag key and tag value prefixes", async () => {
      // Prepare
      await create("a", { Tags: [{ Key: "team", Value: "payments" }] });
      await create("b", { Tags: [{ Key: "teamless", Value: "none" }] });
      await create("c", { Tags: [{ Key: "env", Value: "pay" }] });

      // Act
      const byKey = await listNames({ Filters: [{ Key: "tag-key", Values: ["team"] }] });
      const byValue = await listNames({ Filters: [{ Key: "tag-value", Values: ["pay"] }] });

      // Assess
      expect(byKey).toEqual(["a", "b"]);
      expect(byValue).toEqual(["a", "c"]);
    });

    it("filters by description prefix regardless of case", async () => {
      // Prepare
      await create("described", { Description: "Stripe API key" });
      await create("other", { Description: "GitHub token" });
      await create("undescribed");

      // Act
      const matched = await listNames({ Filters: [{ Key: "description", Values: ["stripe"] }] });

      // Assess
      expect(matched).toEqual(["described"]);
    });

    it("matches the words of an all filter against every attribute", async () => {
      // Prepare
      await create("billing/stripe", { Tags: [{ Key: "Environment", Value: "production" }] });
      await create("billing/paypal", { Description: "Production PayPal key" });
      await create("search/algolia", { Tags: [{ Key: "env", Value: "staging" }] });

      // Act
      const production = await listNames({ Filters: [{ Key: "all", Values: ["PROD"] }] });
      const twoWords = await listNames({ Filters: [{ Key: "all", Values: ["billing prod"] }] });
      const staging = await listNames({ Filters: [{ Key: "all", Values: ["stag"] }] });

      // Assess
      expect(production).toEqual(["billing/stripe", "billing/paypal"]);
      expect(twoWords).toEqual(["billing/stripe", "billing/paypal"]);
      expect(staging).toEqual(["search/algolia"]);
    });

    it("combines several filters with AND", async () => {
      // Prepare
      await create("prod/db", { Tags: [{ Key: "team", Value: "core" }] });
      await create("prod/api", { Tags: [{ Key: "team", Value: "edge" }] });
      await create("dev/db", { Tags: [{ Key: "team", Value: "core" }] });

      // Act
      const matched = await listNames({
        Filters: [
          { Key: "name", Values: ["prod/"] },
          { Key: "tag-value", Values: ["core"] },
        ],
      });

      // Assess
      expect(matched).toEqual(["prod/db"]);
    });

    it("rejects an unknown filter key or a malformed filter value with ValidationException", async () => {
      // Act
      const badKey = await rejection(
        client.send(new ListSecretsCommand({ Filters: [{ Key: "color" as "name", Values: ["red"] }] })),
      );
      const badValue = await rejection(
        client.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["semi;colon"] }] })),
      );

      // Assess
      expectValidationException(badKey);
      expectValidationException(badValue);
    });
  });
}
