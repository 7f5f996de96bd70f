import { writeFile } from "node:fs/promises";
import { generateSchema, SCHEMA_FILE } from "./schema.ts";

// The document is built from the api's own services, whose AWS SDK clients warn about Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
await writeFile(SCHEMA_FILE, await generateSchema());
console.log("wrote packages/client/src/generated/schema.ts");
