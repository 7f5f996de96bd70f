import type { InitializeMiddleware } from "@smithy/types";
import { addMiddleware, type InstrumentableClient } from "./middleware.ts";

/** Where the injected failure happens relative to the real call. */
export type FaultTiming = "before" | "after";

export interface FaultOptions {
  /** The low-level command name the middleware sees, e.g. `PutItemCommand` or `CreateSecretCommand`. */
  command: string;
  /**
   * `before`: throw without calling the endpoint (the call is never applied). `after`: let the call
   * reach the endpoint and be applied, then throw (a lost response).
   */
  when: FaultTiming;
  /** The first matching call (1-based) that fails; earlier ones pass through. Default 1. */
  nth?: number;
  /** How many consecutive matching calls fail from the `nth` on. Default 1. */
  times?: number;
  /** The error to throw; default a transient 503 (InjectedServiceUnavailable). */
  error?: () => Error;
}

export interface Fault {
  /** How many calls this fault has failed so far. */
  readonly fired: number;
  /** How many matching calls it has seen, failed or not. */
  readonly seen: number;
  remove(): void;
}

/** What a transient server-side AWS failure looks like to the SDK's callers (a 503 that was not retried). */
export class InjectedServiceUnavailable extends Error {
  override readonly name = "ServiceUnavailable";
  readonly $fault = "server" as const;
  readonly $metadata = { httpStatusCode: 503, attempts: 1, totalRetryDelay: 0 };

  constructor(command: string, when: FaultTiming) {
    super(`Injected fault: ${command} failed ${when} it reached the endpoint`);
  }
}

let sequence = 0;

/**
 * Fails calls of one command on a real AWS SDK v3 client through an `initialize` middleware, so the
 * SDK's own retries (which run later in the stack) never see the failure.
 */
export function injectFault<Input extends object, Output extends object>(
  client: InstrumentableClient<Input, Output>,
  {
    command,
    when,
    nth = 1,
    times = 1,
    error = () => new InjectedServiceUnavailable(command, when),
  }: FaultOptions,
): Fault {
  const name = `fault-${++sequence}`;
  let seen = 0;
  let fired = 0;
  const middleware: InitializeMiddleware<Input, Output> = (next, context) => async (args) => {
    if (context.commandName !== command) return next(args);
    seen += 1;
    if (seen < nth || fired >= times) return next(args);
    fired += 1;
    if (when === "before") throw error();
    await next(args);
    throw error();
  };
  const remove = addMiddleware(client, name, middleware);
  return {
    get fired() {
      return fired;
    },
    get seen() {
      return seen;
    },
    remove,
  };
}

/** What AWS throttling looks like to the SDK's callers. */
export class InjectedThrottling extends Error {
  override readonly name = "ThrottlingException";
  readonly $fault = "client" as const;
  readonly $metadata = { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 };

  constructor() {
    super("Injected fault: Rate exceeded");
  }
}
