import type { LocalStack } from "@connvault/local";
import { apiRequestInit } from "../test/helpers/harness.ts";

/**
 * One call to the local stack, in-process, as a client makes it to what one port serves (the api, oauth
 * and proxy routes); its JSON answer ({} for none).
 */
export async function callApi<T = Record<string, string>>(
  stack: LocalStack,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<T> {
  const res = await stack.fetch(
    new Request(new URL(path, "http://localhost"), apiRequestInit(method, { key, body })),
  );
  return (await res.json().catch(() => ({}))) as T;
}
