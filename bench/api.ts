import type { LocalStack } from "@connvault/local";
import { apiRequestInit } from "../test/helpers/harness.ts";

/** One API call to the local stack, in-process, as a client makes it; its JSON answer ({} for none). */
export async function callApi<T = Record<string, string>>(
  stack: LocalStack,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<T> {
  const res = await stack.app.request(path, apiRequestInit(method, { key, body }));
  return (await res.json().catch(() => ({}))) as T;
}
