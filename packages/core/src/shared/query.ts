import { z } from "zod";

/**
 * A whole number in a query string, between `min` and `max`. Only an optionally signed run of digits is
 * read as a number: `?offset=` or ` 5` are refused, where a plain coercion would take "" for 0.
 */
export const queryInteger = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value),
    z.number().int().min(min).max(max),
  );
