import { createHash } from "node:crypto";
import type { ConnectorRecord } from "@connvault/core";
import type { Child } from "hono/jsx";

/**
 * The connect page's one stylesheet, inline and allowed by its hash (CONTENT_SECURITY_POLICY), so the
 * page loads nothing and runs no script. Readable from a phone's width up; colours pass WCAG AA.
 */
const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#1f2937}
main{max-width:30rem;margin:0 auto;padding:1.5rem 1rem}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 3px #0002;padding:1.5rem}
.org{margin:0 0 .25rem;font-size:.875rem;color:#4b5563}
h1{margin:0 0 .75rem;font-size:1.375rem;line-height:1.3}
p{margin:0 0 1rem}
ul{list-style:none;margin:0;padding:0}
li+li{margin-top:.5rem}
.choice{display:block;padding:.75rem 1rem;border:1px solid #d1d5db;border-radius:8px;color:#1f2937;text-decoration:none}
.choice:hover,.choice:focus{border-color:#1d4ed8;outline:2px solid #1d4ed8;outline-offset:1px}
.choice strong{display:block}
.choice span{font-size:.875rem;color:#4b5563}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
.hint{font-size:.875rem;color:#4b5563;margin:0 0 .25rem}
input[type=text],input[type=password]{width:100%;padding:.625rem .75rem;font:inherit;border:1px solid #6b7280;border-radius:8px}
input:focus,button:focus{outline:2px solid #1d4ed8;outline-offset:2px}
input[aria-invalid=true]{border-color:#b91c1c}
button{margin-top:1.25rem;width:100%;padding:.75rem;font:inherit;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:8px;cursor:pointer}
button:hover{background:#1e40af}
.alert{padding:.75rem 1rem;border-radius:8px;background:#fef2f2;color:#991b1b;border:1px solid #fca5a5}
.ok h1{color:#166534}
.error h1{color:#991b1b}
.note{font-size:.875rem;color:#4b5563;margin:1rem 0 0}
.back{display:inline-block;margin-top:1rem;color:#1d4ed8}
.meta{font-size:.75rem;color:#4b5563;margin:1.5rem 0 0;word-break:break-all}
@media (min-width:40rem){main{padding-top:4rem}.card{padding:2rem 2.5rem}}
`;

const STYLE_HASH = `'sha256-${createHash("sha256").update(CSS).digest("base64")}'`;

/** The page's one script, served from the page's origin: everything works without it. */
export const POPUP_SCRIPT_PATH = "/connect/assets/popup.js";

/**
 * In a pop-up (a window with an opener), the forms say so (`display=popup`), and the page that ends a
 * connect posts its result to the opener, only to the origin of the session's redirect_url, then closes.
 */
export const POPUP_SCRIPT = `(() => {
  if (!window.opener) return;
  for (const form of document.querySelectorAll("form")) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "display";
    input.value = "popup";
    form.append(input);
  }
  const result = document.querySelector("[data-connvault-message]");
  if (!result) return;
  window.opener.postMessage(JSON.parse(result.dataset.connvaultMessage), result.dataset.targetOrigin);
  window.close();
})();
`;

/** What a pop-up's opener receives when the connect page made its connection. */
export interface ConnectMessage {
  type: "connvault:connect";
  status: "connected";
  connection_id: string;
  connect_session_id: string;
}

/**
 * The page may load nothing but its own script, and be framed by nobody; its forms post to itself, and a
 * form's redirect may go on to `formTargets` (the session's redirect_url, an OAuth2 provider's page).
 */
export const contentSecurityPolicy = (formTargets: string[]) =>
  [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    "script-src 'self'",
    `form-action 'self' ${formTargets.join(" ")}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");

const Layout = (props: {
  title: string;
  outcome: "form" | "success" | "error";
  code?: string;
  children: Child;
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <title>{`${props.title} · connvault`}</title>
      <style dangerouslySetInnerHTML={{ __html: CSS }} />
      <script src={POPUP_SCRIPT_PATH} defer />
    </head>
    <body>
      <main data-outcome={props.outcome} data-code={props.code}>
        <div class={`card ${props.outcome === "success" ? "ok" : props.outcome}`}>{props.children}</div>
      </main>
    </body>
  </html>
);

const Organization = (props: { name: string }) => <p class="org">{props.name}</p>;

/** Several connectors: one link each to its form (no script needed). */
export const ChooserPage = (props: {
  organization: string;
  action: string;
  connectors: ConnectorRecord[];
}) => (
  <Layout title="Connect an account" outcome="form">
    <Organization name={props.organization} />
    <h1>Connect an account</h1>
    <p>Choose the service to connect to {props.organization}.</p>
    <ul>
      {props.connectors.map((connector) => (
        <li>
          <a class="choice" href={`${props.action}?connector=${encodeURIComponent(connector.id)}`}>
            <strong>{connector.name}</strong>
            <span>{connector.description}</span>
          </a>
        </li>
      ))}
    </ul>
  </Layout>
);

export interface FormProps {
  organization: string;
  action: string;
  connector: ConnectorRecord;
  csrf: string;
  /** Reconnecting an existing connection rather than creating one. */
  reconnect: boolean;
  /** Whether the page offers other connectors (a link back to the list). */
  choices: boolean;
  /** Why the last submit was refused; what was typed is never sent back (a username is a credential too). */
  error?: { field?: string; message: string };
  /** Shown with an error, to quote to support. */
  requestId?: string;
}

/** Where the connector's API key goes, from its security scheme, as a hint under the field. */
const apiKeyHint = (connector: ConnectorRecord): string | undefined => {
  const scheme = connector.versions.find((v) => v.version === connector.latest_version)?.security_schema;
  const name = typeof scheme?.name === "string" ? scheme.name : undefined;
  const where = scheme?.in === "query" ? "query parameter" : "header";
  return name ? `${connector.name} receives it in the ${name} ${where}.` : undefined;
};

const Field = (props: {
  name: string;
  label: string;
  type: "text" | "password";
  autocomplete: string;
  hint?: string | undefined;
  error?: FormProps["error"];
}) => {
  const invalid = props.error?.field === props.name;
  const described = [props.hint ? `${props.name}-hint` : "", invalid ? "form-error" : ""].filter(Boolean);
  return (
    <>
      <label for={props.name}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${props.name}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <input
        id={props.name}
        name={props.name}
        type={props.type}
        autocomplete={props.autocomplete}
        spellcheck={false}
        required
        aria-invalid={invalid ? "true" : undefined}
        aria-describedby={described.length ? described.join(" ") : undefined}
      />
    </>
  );
};

/** The form for the connector's auth type; OAuth2 is a button that starts the provider's consent. */
export const FormPage = (props: FormProps) => {
  const { connector, error } = props;
  const verb = props.reconnect ? "Reconnect" : "Connect";
  return (
    <Layout title={`${verb} ${connector.name}`} outcome="form">
      <Organization name={props.organization} />
      <h1>
        {verb} {connector.name}
      </h1>
      <p>
        {props.organization} will be able to use your {connector.name} account. What you enter goes straight
        to an encrypted vault: {props.organization} never sees it.
      </p>
      {error ? (
        <p class="alert" role="alert" id="form-error">
          {error.message}
        </p>
      ) : null}
      <form method="post" action={props.action}>
        <input type="hidden" name="connector" value={connector.id} />
        <input type="hidden" name="csrf" value={props.csrf} />
        {connector.auth_type === "api_key" ? (
          <Field
            name="api_key"
            label="API key"
            type="password"
            autocomplete="off"
            hint={apiKeyHint(connector)}
            error={error}
          />
        ) : null}
        {connector.auth_type === "basic" ? (
          <>
            <Field name="username" label="Username" type="text" autocomplete="username" error={error} />
            <Field
              name="password"
              label="Password"
              type="password"
              autocomplete="current-password"
              error={error}
            />
          </>
        ) : null}
        {connector.auth_type === "bearer" ? (
          <Field name="token" label="Access token" type="password" autocomplete="off" error={error} />
        ) : null}
        <button type="submit">
          {connector.auth_type === "oauth2" ? `Continue to ${connector.name}` : `${verb} ${connector.name}`}
        </button>
      </form>
      {props.choices ? (
        <a class="back" href={props.action}>
          Choose another service
        </a>
      ) : null}
      {error && props.requestId ? <p class="meta">Request id: {props.requestId}</p> : null}
    </Layout>
  );
};

export const SuccessPage = (props: { organization: string; connector: string }) => (
  <Layout title="Connected" outcome="success">
    <Organization name={props.organization} />
    <h1>Connected</h1>
    <p>
      Your {props.connector} account is connected to {props.organization}. You can close this window.
    </p>
  </Layout>
);

/**
 * The end of a connect in a pop-up: the script posts `message` to the opener at `targetOrigin` and closes
 * the window; the link goes on to redirect_url if it stays open.
 */
export const PopupResultPage = (props: { message: ConnectMessage; targetOrigin: string; next: string }) => (
  <Layout title="Connected" outcome="success">
    <h1>Connected</h1>
    <p>Your account is connected. This window closes by itself.</p>
    <div
      hidden
      data-connvault-message={JSON.stringify(props.message)}
      data-target-origin={props.targetOrigin}
    />
    <a class="back" href={props.next}>
      Continue
    </a>
  </Layout>
);

/** A failure a person can act on: what happened, what to do next, and the id to quote to support. */
export const ErrorPage = (props: { title: string; detail: string; code: string; requestId: string }) => (
  <Layout title={props.title} outcome="error" code={props.code}>
    <h1>{props.title}</h1>
    <p>{props.detail}</p>
    <p class="meta">Request id: {props.requestId}</p>
  </Layout>
);
