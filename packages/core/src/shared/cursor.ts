import { createHmac, timingSafeEqual } from "node:crypto";
import { InvalidCursorError } from "./errors.ts";
import { hmacKey } from "./hmac-key.ts";

/**
 * Opaque, tamper-evident pagination cursors: `base64url(position).base64url(hmac)`, where the MAC
 * covers the position and a `scope` (organization, caller and filters). A forged cursor, or one
 * issued to another organization or for another query, fails verification.
 */
export class CursorCodec {
  constructor(
    private readonly key: Buffer | undefined,
    private readonly purpose = "cursor",
  ) {}

  encode(scope: string, position: string): string {
    return `${Buffer.from(position).toString("base64url")}.${this.mac(scope, position)}`;
  }

  /** Accepts exactly the text `encode` gives: no extra segment, no padding, no other spelling. */
  decode(scope: string, cursor: string): string {
    const [encoded = "", ...rest] = cursor.split(".");
    const position = Buffer.from(encoded, "base64url").toString("utf8");
    const expected = Buffer.from(this.encode(scope, position));
    const given = Buffer.from(cursor);
    if (
      !position ||
      rest.length !== 1 ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    ) {
      throw new InvalidCursorError();
    }
    return position;
  }

  private mac(scope: string, position: string): string {
    return createHmac("sha256", hmacKey(this.key, this.purpose))
      .update(`${scope}\n${position}`)
      .digest()
      .subarray(0, 18)
      .toString("base64url");
  }
}
