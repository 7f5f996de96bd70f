import { ForbiddenError } from "../shared/errors.ts";
import type { KeyPrincipal, Principal } from "./api-key.ts";

/** The caller as an organization member; the root key may only create organizations. */
export function requireMember(principal: Principal): KeyPrincipal {
  if (principal.kind === "root") throw new ForbiddenError("The root key may only create organizations");
  return principal;
}

export function requireAdmin(principal: Principal): KeyPrincipal {
  const member = requireMember(principal);
  if (member.role !== "admin") throw new ForbiddenError("This operation needs an admin API key");
  return member;
}
