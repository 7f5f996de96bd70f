import { monotonicFactory } from "ulid";

const ulid = monotonicFactory();

export type IdPrefix = "org" | "key" | "usr" | "conn" | "req" | "read";

/** A new prefixed ULID such as `conn_01JD…`: unique, and sorted by creation time. */
export const newId = (prefix: IdPrefix): string => `${prefix}_${ulid()}`;

/**
 * Ids connvault issues are short and plain. A path id that is not can name nothing, so services
 * answer 404 for it before any AWS call (which could otherwise reject it as a malformed key or name).
 */
export const isWellFormedId = (id: string): boolean => /^[A-Za-z0-9_-]{1,64}$/.test(id);
