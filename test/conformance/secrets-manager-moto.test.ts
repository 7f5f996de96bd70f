import { afterAll, beforeAll, beforeEach, describe } from "vitest";
import { describeSecretsManagerContract } from "../contracts/secrets-manager.contract.ts";
import { type Backend, resetMoto, startMoto } from "./backends.ts";

const API = "https://docs.aws.amazon.com/secretsmanager/latest/apireference";

/**
 * Where moto 5.2.5 answers differently from AWS's documentation (and from connvault's emulator), by
 * contract test title. Each is settled in test/conformance/README.md; the URL is the AWS page that says so.
 */
const MOTO_DEVIATIONS: Record<string, string> = {
  // API_CreateSecret.html (Name: 1-512 of ASCII letters, digits and /_+=.@-) + CommonErrors.html (ValidationException).
  "rejects an invalid secret name with ValidationException": `moto accepts any name (${API}/API_CreateSecret.html)`,
  // API_CreateSecret.html (SecretString/SecretBinary: maximum length 65536) + CommonErrors.html.
  "accepts a value of exactly 65,536 bytes and rejects one byte more with ValidationException": `moto stores values of any size (${API}/API_CreateSecret.html)`,
  // API_CreateSecret.html: "Either SecretString or SecretBinary must have a value, but not both."
  "requires exactly one of SecretString and SecretBinary": `moto accepts both values at once (${API}/API_CreateSecret.html)`,
  // API_CreateSecret.html (ClientRequestToken): a raw HTTP request "must generate a ClientRequestToken".
  "rejects a request without a ClientRequestToken": `moto makes up a token (${API}/API_CreateSecret.html)`,
  // API_DescribeSecret.html (VersionIdsToStages): "the versions of the secret that have staging labels attached".
  "moves AWSCURRENT to each new version and AWSPREVIOUS to the one before": `moto lists unlabeled versions with [] (${API}/API_DescribeSecret.html)`,
  // API_GetSecretValue.html documents the type only (ResourceNotFoundException, which moto gets right);
  // the wording is AWS's as recorded by LocalStack's AWS-validated tests.
  "answers ResourceNotFoundException for an unknown version or stage": `moto's message omits the staging label (${API}/API_GetSecretValue.html)`,
  // API_DescribeSecret.html (LastAccessedDate) + API_SecretVersionsListEntry.html (date-level resolution).
  "records the day of the last GetSecretValue as LastAccessedDate": `moto never sets LastAccessedDate (${API}/API_DescribeSecret.html)`,
  // API_SecretListEntry.html (DeletedDate): "The date and time the deletion of the secret occurred"; the end
  // of the recovery window is DeleteSecret's DeletionDate (API_DeleteSecret.html).
  "schedules deletion after 30 days by default": `moto reports the end of the recovery window as DeletedDate (${API}/API_SecretListEntry.html)`,
  // API_PutSecretValue.html / API_TagResource.html errors: InvalidRequestException, "The secret is scheduled for deletion."
  "refuses reads, writes and tags on a secret scheduled for deletion but still describes it": `moto writes values and tags to a secret scheduled for deletion (${API}/API_PutSecretValue.html)`,
  // API_CreateSecret.html errors: InvalidRequestException, "The secret is scheduled for deletion."
  "keeps the name of a scheduled secret reserved": `moto answers ResourceExistsException (${API}/API_CreateSecret.html)`,
  // API_ListSecrets.html (SortOrder: asc | desc, by CreatedDate).
  "lists entries with SecretVersionsToStages and sorts them by creation": `moto ignores SortOrder (${API}/API_ListSecrets.html)`,
  // API_ListSecrets.html (MaxResults 1-100; InvalidNextTokenException) + CommonErrors.html.
  "rejects MaxResults outside 1 to 100 with ValidationException and a forged NextToken": `moto accepts any MaxResults and answers a forged NextToken with HTTP 500 (${API}/API_ListSecrets.html)`,
  // API_Filter.html ("all: Breaks the filter value string into words").
  "matches the words of an all filter against every attribute": `moto does not split an all filter into words (${API}/API_Filter.html)`,
  // API_Filter.html (Values pattern ^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$) + CommonErrors.html.
  "rejects an unknown filter key or a malformed filter value with ValidationException": `moto accepts filter values outside the documented pattern (${API}/API_Filter.html)`,
};

// The same contract as the embedded emulator's (test/integration/secrets-manager-emulator.test.ts),
// against moto. This file has a moto of its own, because it empties moto before every test.
describe("Secrets Manager contract on moto", () => {
  let moto: Backend;

  beforeAll(async () => {
    moto = await startMoto();
  });

  afterAll(async () => {
    await moto?.stop();
  });

  beforeEach(async () => {
    await resetMoto(moto.url);
  });

  describeSecretsManagerContract(() => moto.url, { knownDeviations: MOTO_DEVIATIONS });
});
