import type { components } from "./generated/schema.ts";

type Schemas = components["schemas"];

/** The API's resources under their own names. */
export type Organization = Schemas["OrganizationCreated"];
export type ApiKey = Schemas["ApiKey"];
export type ApiKeyWithSecret = Schemas["ApiKeyWithSecret"];
export type Me = Schemas["Me"];
export type Connector = Schemas["Connector"];
export type Connection = Schemas["Connection"];
export type ConnectSession = Schemas["ConnectSession"];
export type IssuedConnectSession = Schemas["IssuedConnectSession"];
export type UnifiedConnection = Schemas["UnifiedConnection"];
export type CredentialRead = Schemas["CredentialRead"];
export type ProxyCall = Schemas["ProxyCall"];
