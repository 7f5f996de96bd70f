import { monotonicFactory } from "ulid";

const ulid = monotonicFactory();

export type IdPrefix = "org" | "key" | "usr" | "conn" | "req" | "read";

/** A new prefixed ULID such as `conn_01JD…`: unique, and sorted by creation time. */
export const newId = (prefix: IdPrefix): string => `${prefix}_${ulid()}`;
