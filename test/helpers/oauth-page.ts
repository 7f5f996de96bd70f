import { expectStatus } from "./harness.ts";
import { followToRedirect } from "./oauth-server.ts";

/** Opens a connector_page_url's path on `serverUrl` as a browser would, without following the redirect. */
export function openPage(serverUrl: string, pageUrl: string): Promise<Response> {
  const page = new URL(pageUrl);
  return fetch(`${serverUrl}${page.pathname}${page.search}`, { redirect: "manual" });
}

/** The cookies a response set, as the Cookie header a browser would send back. */
export const cookiesOf = (response: Response): string =>
  response.headers
    .getSetCookie()
    .map((header) => header.split(";")[0])
    .join("; ");

/** The `state` our `/oauth2/authorize` sent to the provider: the flow id the callback takes. */
export const flowStateOf = (start: Response): string =>
  new URL(start.headers.get("location") ?? "").searchParams.get("state") ?? "";

/**
 * Plays the browser: connector_page_url → provider → our callback, sending back the cookie the
 * page set (unless `cookie` says otherwise); returns the callback's answer.
 */
export async function authorizeInBrowser(
  serverUrl: string,
  pageUrl: string,
  options: { cookie?: string } = {},
): Promise<Response> {
  const start = await openPage(serverUrl, pageUrl);
  await expectStatus(start, 302);
  const callback = await followToRedirect(
    start.headers.get("location") ?? "",
    `${serverUrl}/oauth2/callback`,
  );
  const cookie = options.cookie ?? cookiesOf(start);
  return fetch(callback, { redirect: "manual", headers: cookie ? { cookie } : {} });
}
