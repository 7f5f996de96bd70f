import type { InitializeMiddleware, MiddlewareStack } from "@smithy/types";

/** A real AWS SDK v3 client, as far as adding middleware to it goes. */
export interface InstrumentableClient<Input extends object, Output extends object> {
  middlewareStack: MiddlewareStack<Input, Output>;
  config: { cacheMiddleware?: boolean };
}

/**
 * Adds an `initialize` middleware (which runs before the SDK's retries) to a client; returns its
 * removal. connvault's clients resolve each command's middleware stack once (`cacheMiddleware`),
 * which would ignore a middleware added after the first call, so an instrumented client resolves
 * its stack on every call from then on.
 */
export function addMiddleware<Input extends object, Output extends object>(
  client: InstrumentableClient<Input, Output>,
  name: string,
  middleware: InitializeMiddleware<Input, Output>,
): () => void {
  client.config.cacheMiddleware = false;
  client.middlewareStack.add(middleware, { step: "initialize", name });
  return () => client.middlewareStack.remove(name);
}
