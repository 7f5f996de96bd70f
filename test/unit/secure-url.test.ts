import { SECURE_URL_PATTERN, secureUrl } from "@connvault/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const pattern = new RegExp(SECURE_URL_PATTERN);

describe("the URL pattern, documented and checked", () => {
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
      "http://127.0.0.1:41243/oauth2/callback",
      "https://10.0.0.8:8443/api",
      "https://my_service.internal/v1",
    ]) {
      expect(url).toMatch(pattern);
      expect(secureUrl.safeParse(url).success, url).toBe(true);
    }
  });

  it("refuses what it does not match, though URL parsing would take it", () => {
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
      "https://4f5.com*",
      "https://example.com:65536",
    ]) {
      expect(url).not.toMatch(pattern);
      expect(secureUrl.safeParse(url).success, url).toBe(false);
    }
  });
});
