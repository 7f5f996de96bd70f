import {
  type CredentialPayload,
  DomainError,
  fieldErrors,
  ResolveRequest,
  validationSummary,
} from "@connvault/core";
import type { ResolverServices } from "../composition.ts";

export type ResolveResult =
  | { ok: true; connection: Record<string, unknown>; credentials: CredentialPayload }
  | {
      ok: false;
      error: { code: string; message: string; errors?: { path: string; code: string; message: string }[] };
    };

/**
 * The executor's way to a connection's credentials: `{organization_id, user_id, connection_id,
 * purpose?}` in, the connection and its credentials out, or `{ok: false, error}` — never a thrown
 * domain error, so callers get a stable shape. Unexpected failures are thrown (Lambda reports them).
 */
export const createResolverHandler =
  (services: ResolverServices) =>
  async (event: unknown): Promise<ResolveResult> => {
    const request = ResolveRequest.safeParse(event);
    if (!request.success) {
      const errors = fieldErrors(request.error.issues);
      return { ok: false, error: { code: "validation_failed", message: validationSummary(errors), errors } };
    }
    try {
      const { connection, credentials } = await services.resolver.resolve(request.data);
      const { idempotency: _idempotency, revision: _revision, ...visible } = connection;
      return { ok: true, connection: visible, credentials };
    } catch (error) {
      if (error instanceof DomainError)
        return { ok: false, error: { code: error.code, message: error.message } };
      throw error;
    }
  };
