/**
 * Not a handler of connvault's: what Node spends the first time a process touches the web-standard
 * Headers, Request and Response that Hono (and any fetch-style framework) builds on. Node loads them
 * lazily, so a handler that never uses them never pays this.
 */
export async function handler(): Promise<{ statusCode: number; body: string }> {
  const request = new Request("https://api.example.com/v1/connections/x", {
    headers: new Headers({ a: "b" }),
  });
  const body = await new Response(JSON.stringify({ url: request.url })).text();
  return { statusCode: 200, body };
}
