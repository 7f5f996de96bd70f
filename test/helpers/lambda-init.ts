/**
 * `node --import tsx test/helpers/lambda-init.ts <handler module> <event JSON>`: imports a handler
 * module in a fresh process, as Lambda's runtime does at init (the module's top level runs here),
 * then invokes its `handler` once with the event and a Lambda-shaped context. Exits 0 when the
 * invocation resolved; 1 with the error on stderr when the import (the init) or the handler threw.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { lambdaContext } from "../fixtures/api-gateway-v2.ts";

const [modulePath = "", event = "{}"] = process.argv.slice(2);
try {
  const { handler } = await import(pathToFileURL(resolve(modulePath)).href);
  await handler(JSON.parse(event), { ...lambdaContext, awsRequestId: randomUUID() });
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
