import { randomBytes } from "node:crypto";
import { CursorCodec, InvalidCursorError } from "@connvault/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const codec = new CursorCodec(randomBytes(32));

describe("CursorCodec", () => {
  it("round-trips any position within the same scope", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (position, scope) => {
        expect(codec.decode(scope, codec.encode(scope, position))).toBe(position);
      }),
    );
  });

  it("rejects a cursor used in another scope", () => {
    const cursor = codec.encode('["org_a","u",[]]', "conn_1");
    expect(() => codec.decode('["org_b","u",[]]', cursor)).toThrow(InvalidCursorError);
  });

  it("rejects any tampering with the position or the MAC", () => {
    const cursor = codec.encode("scope", "conn_01ABC");
    const [position = "", mac = ""] = cursor.split(".");
    const forgedPosition = `${Buffer.from("conn_01ABD").toString("base64url")}.${mac}`;
    expect(() => codec.decode("scope", forgedPosition)).toThrow(InvalidCursorError);
    const flipped = `${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`;
    expect(() => codec.decode("scope", `${position}.${flipped}`)).toThrow(InvalidCursorError);
    expect(() => codec.decode("scope", "garbage")).toThrow(InvalidCursorError);
  });

  it("rejects cursors made with another key", () => {
    const other = new CursorCodec(randomBytes(32));
    expect(() => codec.decode("scope", other.encode("scope", "conn_1"))).toThrow(InvalidCursorError);
  });
});

describe("CursorCodec's one canonical form", () => {
  it("rejects a valid cursor with an extra .segment or base64 padding", () => {
    const cursor = codec.encode("scope", "conn_01ABC");
    const [position = "", mac = ""] = cursor.split(".");
    expect(codec.decode("scope", cursor)).toBe("conn_01ABC");
    for (const variant of [`${cursor}.x`, `${cursor}.`, `${position}=.${mac}`, `${position}.${mac}==`]) {
      expect(() => codec.decode("scope", variant), variant).toThrow(InvalidCursorError);
    }
  });
});
