import { SECURE_URL_PATTERN, secureUrl } from "@connvault/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const pattern = new RegExp(SECURE_URL_PATTERN);

describe("the documented URL pattern", () => {
  it("matches only URLs the server accepts", () => {
    fc.assert(
      fc.property(fc.stringMatching(pattern, { size: "small" }), (url) => {
        fc.pre(url.length <= 2048);
        return secureUrl.safeParse(url).success;
      }),
      { numRuns: 20_000 },
    );
  });

  it("matches the URLs people write", () => {
    for (const url of [
      "https://slack.com/api",
      "https://api.stripe.com",
      "https://example.atlassian.net/rest/api/3?expand=names#top",
      "https://app.example.com:8443/done",
      "http://localhost:3000/callback",
      "http://127.0.0.1:8080/oauth2/callback",
      "http://[::1]:9/",
    ]) {
      expect(url).toMatch(pattern);
      expect(secureUrl.safeParse(url).success, url).toBe(true);
    }
  });

  it("does not match what the server refuses", () => {
    for (const url of [
      "",
      "http://example.com",
      "http://127.evil.example",
      "https://user:pass@example.com",
      "https://example.com@evil.example",
      "ftp://example.com",
      "https://1.2.3.999",
      "http://127.08.0.1",
      "http://localhost/\\bS",
    ]) {
      expect(url).not.toMatch(pattern);
    }
  });
});
