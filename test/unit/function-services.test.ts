import type { OAuthService, ResolverService, SecretsManagerReader } from "@connvault/core";
import type { ApiServices, EventsServices, ResolverServices } from "@connvault/functions";
import { describe, expectTypeOf, it } from "vitest";

/**
 * What each function's services may do, proved by the type checker (`npm run typecheck` and vitest
 * both compile this file): a route handed ApiServices cannot reach a secret reader, the resolver or
 * the OAuth2 flow (which reads client secrets), nor a raw SDK client, even by mistake.
 */
type ValueOf<T> = T[keyof T];

describe("each function's services (composition.ts)", () => {
  it("give the api nothing that reads a secret and no raw SDK clients", () => {
    expectTypeOf<Extract<ValueOf<ApiServices>, ResolverService | OAuthService>>().toBeNever();
    expectTypeOf<Extract<ValueOf<ApiServices>, SecretsManagerReader>>().toBeNever();
    expectTypeOf<ApiServices>().not.toHaveProperty("resolver");
    expectTypeOf<ApiServices>().not.toHaveProperty("oauth");
    expectTypeOf<ApiServices>().not.toHaveProperty("clients");
  });

  it("give the resolver its service and the events function its publisher, nothing of the api's", () => {
    expectTypeOf<ResolverServices>().toHaveProperty("resolver");
    expectTypeOf<ResolverServices>().not.toHaveProperty("connections");
    expectTypeOf<EventsServices>().toHaveProperty("events");
    expectTypeOf<EventsServices>().not.toHaveProperty("connections");
  });
});
