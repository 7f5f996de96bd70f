import { html } from "hono/html";

/** The small pages a browser sees at the end of an OAuth2 authorization. */
export const resultPage = (outcome: {
  ok: boolean;
  title: string;
  detail: string;
  requestId?: string;
}) => html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${outcome.title} · connvault</title>
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; background: #f6f7f9; }
      main { background: #fff; padding: 2rem 2.5rem; border-radius: 12px; box-shadow: 0 2px 12px #0001; max-width: 28rem; }
      h1 { font-size: 1.25rem; margin: 0 0 .5rem; color: ${outcome.ok ? "#146c2e" : "#a4161a"}; }
      p { margin: 0; color: #333; }
      .meta { margin-top: 1rem; font-size: .75rem; color: #4b5563; word-break: break-all; }
    </style>
  </head>
  <body>
    <main data-outcome="${outcome.ok ? "success" : "error"}">
      <h1>${outcome.title}</h1>
      <p>${outcome.detail}</p>
      ${outcome.requestId ? html`<p class="meta">Request id: ${outcome.requestId}</p>` : ""}
    </main>
  </body>
</html>`;
