import { z } from "zod";
import { secretArn } from "../connections/connection.ts";

/** unified.to's `auth_aws_arn` is an "ARN / secretID": a Secrets Manager secret ARN, or its name. */
const secretArnOrName = z
  .union([secretArn, z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "Must be a secret ARN or name")])
  .meta({
    description:
      "Admins only: adopt this existing secret (its ARN or name) instead of sending auth; answered with its full ARN. It must carry the tag connvault:organization_id = your organization; connvault never changes or deletes it. It cannot change later.",
  });

import { connectorId } from "../connectors/connector.ts";
import { queryInteger } from "../shared/query.ts";

const text = z.string().max(16_384);
const dateTime = z.iso.datetime({ offset: true });

/** unified.to's enums (PropertyConnectionCategories and PropertyConnectionPermissions in its SDK). */
const CATEGORIES = `
passthrough hris ats auth saml crm enrich martech ticketing uc accounting storage commerce payment genai
messaging kms task scim lms repo metadata calendar verification ads analytics forms shipping assessment
signing clubs datastore cdp performance social
`
  .trim()
  .split(/\s+/) as [string, ...string[]];
const PERMISSIONS = `
accounting_account_read accounting_account_write accounting_transaction_read accounting_transaction_write
accounting_journal_read accounting_journal_write accounting_invoice_read accounting_invoice_write
accounting_bill_read accounting_bill_write accounting_vendorcredit_read accounting_vendorcredit_write
accounting_creditmemo_read accounting_creditmemo_write accounting_contact_read accounting_contact_write
accounting_expense_read accounting_expense_write accounting_taxrate_read accounting_taxrate_write
accounting_paymentterm_read accounting_paymentterm_write accounting_organization_read accounting_order_read
accounting_order_write accounting_purchaseorder_read accounting_purchaseorder_write
accounting_salesorder_read accounting_salesorder_write accounting_trialbalance_read
accounting_trialbalance_write accounting_profitloss_read accounting_profitloss_write
accounting_balancesheet_read accounting_balancesheet_write accounting_category_read
accounting_category_write payment_payment_read payment_payment_write accounting_cashflow_read
accounting_cashflow_write accounting_quote_read accounting_quote_write accounting_agedreceivable_read
accounting_agedpayable_read accounting_project_read accounting_project_write accounting_bankfeedaccount_read
accounting_bankfeedaccount_write accounting_bankfeedtransaction_read accounting_bankfeedtransaction_write
payment_payout_read payment_refund_read payment_link_read payment_link_write payment_subscription_read
payment_subscription_write commerce_item_read commerce_item_write commerce_collection_read
commerce_collection_write commerce_inventory_read commerce_inventory_write commerce_location_read
commerce_location_write commerce_review_read commerce_review_write commerce_saleschannel_read
commerce_saleschannel_write commerce_itemvariant_read commerce_itemvariant_write commerce_reservation_read
commerce_reservation_write commerce_availability_read commerce_availability_write verification_package_read
verification_request_read verification_request_write assessment_package_read assessment_package_write
assessment_order_write ats_activity_read ats_activity_write ats_application_read ats_application_write
ats_applicationstatus_read ats_candidate_read ats_candidate_write ats_interview_read ats_interview_write
ats_job_read ats_job_write ats_company_read ats_company_write ats_document_read ats_document_write
ats_scorecard_read ats_scorecard_write crm_company_read crm_company_write crm_contact_read crm_contact_write
crm_deal_read crm_deal_write crm_event_read crm_event_write crm_lead_read crm_lead_write crm_pipeline_read
crm_pipeline_write crm_taxonomy_read martech_list_read martech_list_write martech_member_read
martech_member_write martech_campaign_read martech_campaign_write martech_report_read martech_report_write
ticketing_customer_read ticketing_customer_write ticketing_ticket_read ticketing_ticket_write
ticketing_note_read ticketing_note_write ticketing_category_read ticketing_category_write hris_employee_read
hris_employee_write hris_group_read hris_group_write hris_payslip_read hris_payslip_write hris_timeoff_read
hris_timeoff_write hris_timeshift_read hris_timeshift_write hris_attendance_read hris_attendance_write
hris_company_read hris_company_write hris_location_read hris_location_write hris_device_read
hris_device_write hris_deduction_read hris_deduction_write hris_benefit_read hris_benefit_write
hris_bankaccount_read hris_bankaccount_write hris_document_read hris_document_write hris_taxonomy_read
hris_taxonomy_write uc_call_read uc_contact_read uc_contact_write uc_comment_read uc_comment_write
uc_recording_read storage_file_read storage_file_write webhook genai_model_read genai_prompt_read
genai_prompt_write genai_embedding_read genai_embedding_write genai_task_read genai_task_write
genai_agent_read genai_agent_write genai_organization_read genai_organization_write messaging_message_read
messaging_message_write messaging_channel_read messaging_channel_write messaging_event_read
messaging_event_write kms_space_read kms_space_write kms_page_read kms_page_write kms_comment_read
kms_comment_write task_project_read task_project_write task_task_read task_task_write task_change_read
task_comment_read task_comment_write scim_users_read scim_users_write scim_groups_read scim_groups_write
lms_course_read lms_course_write lms_class_read lms_class_write lms_student_read lms_student_write
lms_instructor_read lms_instructor_write lms_content_read lms_content_write lms_collection_read
lms_collection_write lms_activity_read lms_activity_write repo_organization_read repo_organization_write
repo_repository_read repo_repository_write repo_branch_read repo_branch_write repo_commit_read
repo_commit_write repo_pullrequest_read repo_pullrequest_write metadata_metadata_read
metadata_metadata_write calendar_calendar_read calendar_calendar_write calendar_event_read
calendar_event_write calendar_busy_read calendar_link_read calendar_link_write calendar_recording_read
calendar_recording_write calendar_webinar_read calendar_webinar_write enrich_person_read enrich_company_read
ads_ad_read ads_ad_write ads_campaign_read ads_campaign_write ads_group_read ads_group_write ads_report_read
ads_organization_read ads_organization_write ads_creative_read ads_creative_write ads_asset_read
ads_asset_write ads_insertionorder_read ads_insertionorder_write ads_target_read ads_promoted_read
analytics_property_read analytics_property_write analytics_event_read analytics_event_write
analytics_session_read analytics_visitor_read analytics_visitor_write analytics_report_read forms_form_read
forms_form_write forms_submission_read forms_submission_write shipping_shipment_read shipping_shipment_write
shipping_label_read shipping_label_write shipping_tracking_read shipping_rate_read shipping_rate_write
shipping_carrier_read signing_document_read signing_document_write signing_signatory_read
signing_signatory_write signing_template_read clubs_group_read clubs_group_write clubs_member_read
clubs_member_write clubs_activity_read clubs_activity_write clubs_location_read clubs_location_write
clubs_event_read clubs_event_write datastore_database_read datastore_database_write datastore_table_read
datastore_table_write datastore_record_read datastore_record_write datastore_query_read
datastore_query_write cdp_profile_read cdp_profile_write cdp_segment_read cdp_segment_write cdp_event_read
cdp_event_write cdp_source_read cdp_source_write cdp_destination_read cdp_destination_write
cdp_activation_read cdp_activation_write performance_cycle_read performance_review_read
performance_review_write performance_goal_read performance_goal_write performance_feedback_read
performance_feedback_write social_post_read social_post_write social_profile_read social_profile_write
social_review_read social_review_write social_insight_read social_insight_write
`
  .trim()
  .split(/\s+/) as [string, ...string[]];

const MAX_META_DEPTH = 32;
/** True when no array or object in `value` is nested deeper than `depth` levels. */
const shallowerThan = (value: unknown, depth: number): boolean =>
  typeof value !== "object" || value === null
    ? true
    : depth > 0 && Object.values(value).every((inner) => shallowerThan(inner, depth - 1));

/** unified.to's other vaults: documented as fields that must be absent (`not: {}`), refused with this message. */
const unsupportedVault = z
  .unknown()
  .refine(() => false, "Only AWS Secrets Manager is supported: send auth, or auth_aws_arn")
  .optional()
  .meta({
    not: {},
    description: "Not supported (connvault keeps credentials in AWS Secrets Manager only): must be absent",
  });

/** unified.to's `auth` object (property_Connection_auth): WRITE-ONLY, stored in Secrets Manager. */
export const UnifiedAuth = z
  .strictObject({
    access_token: text.optional().meta({
      description:
        "OAuth2 access token; the proxy sends it as `Authorization: Bearer` (it wins over token, key)",
    }),
    api_url: text.optional().meta({
      description: "The integration's API base URL for this account; kept as sent, not used by connvault",
    }),
    app_id: text
      .optional()
      .meta({ description: "The integration's app id; kept as sent, not used by connvault" }),
    audience: text.optional().meta({ description: "OAuth2 audience; kept as sent, not used by connvault" }),
    authorize_url: text
      .optional()
      .meta({ description: "OAuth2 authorization URL; kept as sent, not used by connvault" }),
    client_id: text
      .optional()
      .meta({ description: "OAuth2 client id of your own app; kept as sent, not used by connvault" }),
    client_secret: text.optional().meta({
      description:
        "OAuth2 client secret of your own app; kept as sent, not used by connvault, redacted from proxied answers",
    }),
    consumer_key: text
      .optional()
      .meta({ description: "OAuth 1.0a consumer key; kept as sent, not used by connvault" }),
    consumer_secret: text.optional().meta({
      description:
        "OAuth 1.0a consumer secret; kept as sent, not used by connvault, redacted from proxied answers",
    }),
    dev_api_key: text.optional().meta({
      description: "Developer API key; sent as the API key when there is no access_token, token or key",
    }),
    emails: z.array(z.string().max(320)).max(100).optional().meta({
      description: "The authorized account's email addresses (≤ 100); kept as sent, not used by connvault",
    }),
    expires_in: z.number().optional().meta({
      description: "Access token lifetime in seconds, as issued; kept as sent, not used by connvault",
    }),
    expiry_date: dateTime.optional().meta({
      description:
        "When the access token expires (ISO-8601 date-time with offset); kept as sent, connvault does not refresh it",
    }),
    key: text.optional().meta({
      description:
        "API key; without access_token or token, the proxy sends it where the connector's security scheme says (else X-API-Key)",
    }),
    meta: z
      .record(z.string(), z.unknown())
      .refine((meta) => shallowerThan(meta, MAX_META_DEPTH), `Nested at most ${MAX_META_DEPTH} levels deep`)
      .optional()
      .meta({
        description: `Any other JSON the integration needs (nested ≤ ${MAX_META_DEPTH} levels); kept as sent, not used by connvault`,
      }),
    name: text
      .optional()
      .meta({ description: "The authorized account's name; kept as sent, not used by connvault" }),
    other_auth_info: z.array(text).max(50).optional().meta({
      description: "Other credential fields as strings (≤ 50); kept as sent, not used by connvault",
    }),
    pem: text.optional().meta({
      description:
        "A PEM private key or certificate; kept as sent, not used by connvault, redacted from proxied answers",
    }),
    refresh_token: text.optional().meta({
      description: "OAuth2 refresh token; kept as sent, not used by connvault, redacted from proxied answers",
    }),
    refresh_token_expires_date: dateTime.optional().meta({
      description:
        "When the refresh token expires (ISO-8601 date-time with offset); kept as sent, not used by connvault",
    }),
    refresh_token_expires_in: z
      .number()
      .optional()
      .meta({ description: "Refresh token lifetime in seconds; kept as sent, not used by connvault" }),
    refresh_url: text
      .optional()
      .meta({ description: "Where the token is refreshed; kept as sent, not used by connvault" }),
    state: text.optional().meta({
      description: "OAuth2 state of the original authorization; kept as sent, not used by connvault",
    }),
    token: text.optional().meta({
      description: "A bearer token; sent as `Authorization: Bearer` when there is no access_token",
    }),
    token_url: text.optional().meta({ description: "OAuth2 token URL; kept as sent, not used by connvault" }),
    user_id: text.optional().meta({
      description: "The authorized account's user id at the integration; kept as sent, not used by connvault",
    }),
  })
  .meta({
    id: "UnifiedConnectionAuth",
    description:
      "WRITE-ONLY: unified.to's auth object (an authorized user's credentials for the integration), stored as-is in Secrets Manager and never returned; every field is optional",
  });

/**
 * unified.to's Connection as a request body. Read-only fields that clients echo back from a GET
 * (id, dates, workspace_id…) are accepted and ignored; anything else unknown is rejected.
 */
const UnifiedConnectionFields = z.strictObject({
  integration_type: connectorId.meta({
    description:
      "unified.to's integration type: here a connector id from GET /v1/connectors (unknown → 422); cannot change",
  }),
  integration_name: z.string().max(128).optional().meta({
    description: "The connection's name (≤ 128 characters); the connector's name when omitted on create",
  }),
  permissions: z
    .array(z.enum(PERMISSIONS))
    .max(500)
    .optional()
    .meta({
      description:
        "unified.to permissions the connection was granted (≤ 500); stored and returned, not enforced",
      example: ["crm_contact_read"],
    }),
  categories: z
    .array(z.enum(CATEGORIES))
    .max(100)
    .optional()
    .meta({
      description:
        "unified.to categories the connection supports (≤ 100); stored, returned and matched by the list's categories filter",
      example: ["crm"],
    }),
  external_xref: z
    .string()
    .max(255)
    .optional()
    .meta({ description: "Your own reference (unified.to: the customer's user id), ≤ 255 characters" }),
  environment: z.string().min(1).max(64).optional().meta({
    description: "The connection's environment (1–64 characters); production when omitted on create",
  }),
  is_paused: z.boolean().optional().meta({
    description:
      "Pause (true) or resume (false) the connection; a paused one is not used by the proxy; false when omitted on create",
    example: false,
  }),
  auth: UnifiedAuth.optional(),
  auth_aws_arn: secretArnOrName.optional(),
  id: z
    .string()
    .max(64)
    .optional()
    .meta({ description: "Read-only: accepted (as echoed from a GET) and ignored" }),
  created_at: z.string().max(64).optional().meta({ description: "Read-only: accepted and ignored" }),
  updated_at: z.string().max(64).optional().meta({ description: "Read-only: accepted and ignored" }),
  workspace_id: z.string().max(64).optional().meta({ description: "Read-only: accepted and ignored" }),
  last_healthy_at: z.string().max(64).optional().meta({ description: "Read-only: accepted and ignored" }),
  last_unhealthy_at: z.string().max(64).optional().meta({ description: "Read-only: accepted and ignored" }),
  last_unhealthy_code: z
    .string()
    .max(64)
    .optional()
    .meta({ description: "Read-only in unified.to: accepted and ignored" }),
  auth_azure_keyvault_id: unsupportedVault,
  auth_gcp_secret_name: unsupportedVault,
  auth_hashi_vault_path: unsupportedVault,
  secretsmanager_id: unsupportedVault,
  secretsmanager_key: unsupportedVault,
});

/** JSON Schema for "not both": what the refinement below checks, stated in the OpenAPI document. */
const authOrArn = { not: { required: ["auth", "auth_aws_arn"] } };

const authOrAdoption = (input: { auth?: unknown; auth_aws_arn?: unknown }, ctx: z.RefinementCtx) => {
  if (input.auth && input.auth_aws_arn) {
    ctx.addIssue({
      code: "custom",
      path: ["auth_aws_arn"],
      message: "Send either auth_aws_arn (adopt a secret) or auth, not both",
    });
  }
};

/** PATCH and PUT: `integration_type` may be left out (it cannot change). */
export const UnifiedConnectionInput = UnifiedConnectionFields.partial({ integration_type: true })
  .superRefine(authOrAdoption)
  .meta({ id: "UnifiedConnectionInput", ...authOrArn });
export type UnifiedConnectionInput = z.output<typeof UnifiedConnectionInput>;

export const CreateUnifiedConnectionInput = UnifiedConnectionFields.required({
  permissions: true,
  categories: true,
})
  .superRefine(authOrAdoption)
  .meta({ id: "UnifiedConnectionCreate", ...authOrArn });
export type CreateUnifiedConnectionInput = z.output<typeof CreateUnifiedConnectionInput>;

export const ListUnifiedConnectionsQuery = z.object({
  limit: queryInteger(1, 100)
    .default(100)
    .meta({ description: "The most connections to return, 1–100 (default 100)" }),
  offset: queryInteger(0, 10_000)
    .default(0)
    .meta({ description: "How many matching connections to skip, 0–10,000 (default 0)" }),
  updated_gte: dateTime.optional().meta({
    description: "Only connections updated at or after this ISO-8601 date-time (with offset)",
    example: "2026-11-21T00:00:00Z",
  }),
  sort: z.enum(["name", "updated_at", "created_at"]).default("created_at").meta({
    description:
      "What to sort by: name (integration_name, case-sensitive), updated_at or created_at (default)",
  }),
  order: z
    .enum(["asc", "desc"])
    .default("asc")
    .meta({ description: "Sort direction: asc (default) or desc" }),
  external_xref: z
    .string()
    .max(255)
    .optional()
    .meta({ description: "Only connections with this external_xref (exact, case-sensitive match)" }),
  env: z
    .string()
    .max(64)
    .optional()
    .meta({ description: "Only connections in this environment: exact match, without regard to case" }),
  categories: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) =>
      value === undefined
        ? []
        : [value]
            .flat()
            .flatMap((v) => v.split(","))
            .filter(Boolean),
    )
    .meta({
      description:
        "Only connections with any of these categories (exact match; repeat the parameter or separate with commas)",
    }),
});
export type ListUnifiedConnectionsQuery = z.output<typeof ListUnifiedConnectionsQuery>;
