// One cold-start sample, in a fresh Node process: import a bundled handler, serve one request.
// Prints `COLD {"import_ms":…,"first_request_ms":…,"status":…}`; bench/cold-start.ts runs it. With a
// third argument, also writes V8's CPU profile of the import and the request to that file.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

const [bundle, eventJson, profilePath] = process.argv.slice(2);
const context = { awsRequestId: "cold", functionName: "cold", getRemainingTimeInMillis: () => 30_000 };
const session = profilePath ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
}
const start = performance.now();
const { handler } = await import(bundle);
const imported = performance.now();
const result = await handler(JSON.parse(eventJson), context);
const done = performance.now();
if (session) writeFileSync(profilePath, JSON.stringify((await session.post("Profiler.stop")).profile));
const sample = { import_ms: imported - start, first_request_ms: done - imported, status: result.statusCode };
process.stdout.write(`\nCOLD ${JSON.stringify(sample)}\n`, () => process.exit(0));
