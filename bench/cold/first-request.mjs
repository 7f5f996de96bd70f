// One cold-start sample, in a fresh Node process: import a bundled handler, serve one request.
// Prints `COLD {"import_ms":…,"first_request_ms":…,"status":…}`; bench/cold-start.ts runs it.
const [bundle, eventJson] = process.argv.slice(2);
const context = { awsRequestId: "cold", functionName: "cold", getRemainingTimeInMillis: () => 30_000 };
const start = performance.now();
const { handler } = await import(bundle);
const imported = performance.now();
const result = await handler(JSON.parse(eventJson), context);
const done = performance.now();
const sample = { import_ms: imported - start, first_request_ms: done - imported, status: result.statusCode };
process.stdout.write(`\nCOLD ${JSON.stringify(sample)}\n`, () => process.exit(0));
