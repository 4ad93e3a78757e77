/**
 * The hosted API's known errors: HTTP status and message for each code, as listed in the wire
 * contract. The emulator builds its error answers from this table; the SDK only needs the codes,
 * so a client bundle never pulls this file in.
 */

type Details = Record<string, unknown>;

interface KnownErrorSpec {
  status: number;
  /** Message builder; receives the details object (or `{}` when the error has no details). */
  message: (d: Details) => string;
  /** Whether the error carries a `details` object on the wire. */
  hasDetails: boolean;
}

const s = (v: unknown) => String(v);

function spec(status: number, hasDetails: boolean, message: (d: Details) => string): KnownErrorSpec {
  return { status, hasDetails, message };
}

/** Every known error the emulator can answer with. */
export const KNOWN_ERRORS = {
  ITEM_NOT_FOUND: spec(404, true, (d) => `Item with ID "${s(d.item_id)}" not found.`),
  ITEM_CUSTOMER_TYPE_DOES_NOT_MATCH: spec(
    400,
    true,
    (d) =>
      `The ${s(d.actual_customer_type)} with ID "${s(d.customer_id)}" is not a valid customer for the item with ID "${s(d.item_id)}". The item is configured to only be available for ${s(d.item_customer_type)} customers, but the customer is a ${s(d.actual_customer_type)}.`,
  ),
  ITEM_QUANTITY_INSUFFICIENT_AMOUNT: spec(
    400,
    true,
    (d) =>
      `The item with ID "${s(d.item_id)}" has an insufficient quantity for the customer with ID "${s(d.customer_id)}". An attempt was made to charge ${s(d.quantity)} credits.`,
  ),
  PRODUCT_DOES_NOT_EXIST: spec(400, true, (d) =>
    d.context === "item_exists"
      ? `Product with ID "${s(d.product_id)}" does not exist, but an item with this ID exists.`
      : d.context === "server_only"
        ? `Product with ID "${s(d.product_id)}" is marked as server-only and cannot be accessed client side.`
        : `Product with ID "${s(d.product_id)}" does not exist.`,
  ),
  PRODUCT_CUSTOMER_TYPE_DOES_NOT_MATCH: spec(
    400,
    true,
    (d) =>
      `The ${s(d.actual_customer_type)} with ID "${s(d.customer_id)}" is not a valid customer for the inline product that has been passed in. The product is configured to only be available for ${s(d.product_customer_type)} customers, but the customer is a ${s(d.actual_customer_type)}.`,
  ),
  PRODUCT_ALREADY_GRANTED: spec(
    400,
    true,
    (d) => `Customer with ID "${s(d.customer_id)}" already owns product "${s(d.product_id)}".`,
  ),
  NEW_PURCHASES_BLOCKED: spec(
    403,
    false,
    () => "New purchases are currently blocked for this project. Please contact support for more information.",
  ),
  DEFAULT_PAYMENT_METHOD_REQUIRED: spec(400, true, () => "No default payment method is set for this customer."),
  STRIPE_ACCOUNT_INFO_NOT_FOUND: spec(
    404,
    false,
    () => "Stripe account information not found. Please make sure the user has onboarded with Stripe.",
  ),
  SUBSCRIPTION_INVOICE_NOT_FOUND: spec(
    404,
    true,
    (d) => `Subscription invoice with ID "${s(d.subscription_invoice_id)}" does not exist.`,
  ),
  ONE_TIME_PURCHASE_NOT_FOUND: spec(
    404,
    true,
    (d) => `One-time purchase with ID "${s(d.one_time_purchase_id)}" does not exist.`,
  ),
  SUBSCRIPTION_ALREADY_REFUNDED: spec(400, true, (d) => `Subscription with ID "${s(d.subscription_id)}" was already refunded.`),
  ONE_TIME_PURCHASE_ALREADY_REFUNDED: spec(400, true, (d) => `One-time purchase with ID "${s(d.one_time_purchase_id)}" was already refunded.`),
  TEST_MODE_PURCHASE_NON_REFUNDABLE: spec(400, false, () => "Test mode purchases are not refundable."),
  VERIFICATION_CODE_NOT_FOUND: spec(404, false, () => "The verification code does not exist for this project."),
  VERIFICATION_CODE_EXPIRED: spec(400, false, () => "The verification code has expired."),
  REDIRECT_URL_NOT_WHITELISTED: spec(
    400,
    false,
    () =>
      "Redirect URL not whitelisted. Did you forget to add this domain to the trusted domains list on the Stack Auth dashboard?",
  ),
  USER_NOT_FOUND: spec(404, false, () => "User not found."),
  TEAM_NOT_FOUND: spec(404, true, (d) => `Team ${s(d.team_id)} not found.`),
  USER_AUTHENTICATION_REQUIRED: spec(401, false, () => "User authentication required for this endpoint."),
  TEAM_PERMISSION_REQUIRED: spec(
    401,
    true,
    (d) => `User ${s(d.user_id)} does not have permission ${s(d.permission_id)} in team ${s(d.team_id)}.`,
  ),
  TEAM_MEMBERSHIP_NOT_FOUND: spec(404, true, (d) => `User ${s(d.user_id)} is not found in team ${s(d.team_id)}.`),
  TEAM_MEMBERSHIP_ALREADY_EXISTS: spec(409, false, () => "Team membership already exists."),
  PERMISSION_NOT_FOUND: spec(404, true, (d) => `Permission "${s(d.permission_id)}" not found. Make sure you created it on the dashboard.`),
  TEAM_PERMISSION_NOT_FOUND: spec(
    401,
    true,
    (d) => `User ${s(d.user_id)} does not have permission ${s(d.permission_id)} in team ${s(d.team_id)}.`,
  ),
  ACCESS_TYPE_REQUIRED: spec(
    400,
    false,
    () =>
      "You must specify an access level for this Stack project. Make sure project API keys are provided (eg. x-stack-publishable-client-key) and you set the x-stack-access-type header to 'client', 'server', or 'admin'.\n\nFor more information, see the docs on REST API authentication: https://docs.stack-auth.com/rest-api/overview#authentication",
  ),
  INSUFFICIENT_ACCESS_TYPE: spec(401, true, (d) => {
    const allowed = (d.allowed_access_types as string[] | undefined) ?? [];
    return `The x-stack-access-type header must be ${allowed.map((a) => `'${a}'`).join(" or ")}, but was '${s(d.actual_access_type)}'.`;
  }),
  // No details on the wire: the bad value travels only in the message.
  INVALID_ACCESS_TYPE: spec(400, false, (d) => `The x-stack-access-type header must be 'client', 'server', or 'admin', but was '${s(d.access_type)}'.`),
  BRANCH_DOES_NOT_EXIST: spec(400, true, (d) => `The branch with ID ${s(d.branch_id)} does not exist.`),
  ACCESS_TYPE_WITHOUT_PROJECT_ID: spec(
    400,
    true,
    (d) =>
      `The x-stack-access-type header was '${s(d.request_type)}', but the x-stack-project-id header was not provided.\n\nFor more information, see the docs on REST API authentication: https://docs.stack-auth.com/rest-api/overview#authentication`,
  ),
  PROJECT_KEY_WITHOUT_ACCESS_TYPE: spec(
    400,
    false,
    () => "Either an API key or an admin access token was provided, but the x-stack-access-type header is missing. Set it to 'client', 'server', or 'admin' as appropriate.",
  ),
  CURRENT_PROJECT_NOT_FOUND: spec(
    400,
    true,
    (d) => `The current project with ID ${s(d.project_id)} was not found. Please check the value of the x-stack-project-id header.`,
  ),
  PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT: spec(
    401,
    true,
    (d) => `The project ${s(d.project_id)} requires a publishable client key to be provided in the x-stack-publishable-client-key header.`,
  ),
  INVALID_PUBLISHABLE_CLIENT_KEY: spec(
    401,
    true,
    (d) => `The publishable key is not valid for the project ${JSON.stringify(s(d.project_id))}. Does the project and/or the key exist?`,
  ),
  SERVER_AUTHENTICATION_REQUIRED: spec(401, false, () => "The secret server key must be provided."),
  INVALID_SECRET_SERVER_KEY: spec(
    401,
    true,
    (d) => `The secret server key is not valid for the project ${JSON.stringify(s(d.project_id))}. Does the project and/or the key exist?`,
  ),
  ADMIN_AUTHENTICATION_REQUIRED: spec(401, false, () => "The super secret admin key must be provided."),
  INVALID_SUPER_SECRET_ADMIN_KEY: spec(401, true, (d) => `The super secret admin key is not valid for the project ${JSON.stringify(s(d.project_id))}. Does the project and/or the key exist?`),
  UNPARSABLE_ACCESS_TOKEN: spec(401, false, () => "Access token is not parsable."),
  ACCESS_TOKEN_EXPIRED: spec(
    401,
    true,
    (d) =>
      `Access token has expired. Please refresh it and try again.${d.expired_at_millis ? ` (The access token expired at ${new Date(Number(d.expired_at_millis)).toISOString()}.)` : ""}`,
  ),
  INVALID_PROJECT_FOR_ACCESS_TOKEN: spec(
    401,
    true,
    (d) => `Access token not valid for this project. Expected project ID ${JSON.stringify(s(d.expected_project_id))}, but the token is for project ID ${JSON.stringify(s(d.actual_project_id))}.`,
  ),
  ANONYMOUS_AUTHENTICATION_NOT_ALLOWED: spec(
    401,
    false,
    () => "X-Stack-Access-Token is for an anonymous user, but anonymous users are not enabled. Set the X-Stack-Allow-Anonymous-User header of this request to 'true' to allow anonymous users.",
  ),
  RESTRICTED_USER_NOT_ALLOWED: spec(
    403,
    true,
    (d) =>
      `The user in the access token is in restricted state. Reason: ${s((d.restricted_reason as { type?: unknown } | null)?.type ?? "unknown")}. Please pass the X-Stack-Allow-Restricted-User header if this is intended.`,
  ),
  UNPARSABLE_ADMIN_ACCESS_TOKEN: spec(401, false, () => "Admin access token is not parsable."),
  ADMIN_ACCESS_TOKEN_EXPIRED: spec(
    401,
    true,
    (d) =>
      `Admin access token has expired. Please refresh it and try again.${d.expired_at_millis ? ` (The access token expired at ${new Date(Number(d.expired_at_millis)).toISOString()}.)` : ""}`,
  ),
  INVALID_PROJECT_FOR_ADMIN_ACCESS_TOKEN: spec(401, false, () => "Admin access tokens must be created on the internal project."),
  ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN: spec(401, false, () => "Admin access token does not have the required permissions to access this project."),
  EXPECTED_INTERNAL_PROJECT: spec(401, false, () => "The project ID is expected to be internal."),
  API_KEY_NOT_FOUND: spec(404, false, () => "API key not found."),
  MULTI_FACTOR_AUTHENTICATION_REQUIRED: spec(400, true, () => "Multi-factor authentication is required for this user."),
  WRONG_PERMISSION_SCOPE: spec(
    404,
    true,
    (d) =>
      `Permission ${JSON.stringify(s(d.permission_id))} not found. (It was found for a different scope ${JSON.stringify(s(d.actual_scope))}, but scope ${JSON.stringify(s(d.expected_scope))} was expected.)`,
  ),
  REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED: spec(
    401,
    false,
    () => "Refresh token not found for this project, or the session has expired/been revoked.",
  ),
  CANNOT_DELETE_CURRENT_SESSION: spec(400, false, () => "Cannot delete the current session."),
  INVALID_OAUTH_CLIENT_ID_OR_SECRET: spec(400, true, () => "The OAuth client ID or secret is invalid. The client ID must be equal to the project ID (potentially with a hash and a branch ID), and the client secret must be a publishable client key."),
  CANNOT_GET_OWN_USER_WITHOUT_USER: spec(
    400,
    false,
    () => "You have specified 'me' as a userId, but did not provide authentication for a user.",
  ),
  USER_ID_DOES_NOT_EXIST: spec(400, true, (d) => `The given user with the ID ${s(d.user_id)} does not exist.`),
  USER_EMAIL_ALREADY_EXISTS: spec(409, true, (d) => `A user with email "${s(d.email)}" already exists.`),
  EMAIL_PASSWORD_MISMATCH: spec(400, false, () => "Wrong e-mail or password."),
  PASSWORD_TOO_SHORT: spec(400, true, (d) => `Password too short. Minimum length is ${s(d.min_length)}.`),
  PASSWORD_TOO_LONG: spec(400, true, (d) => `Password too long. Maximum length is ${s(d.maxLength)}.`),
  SIGN_UP_NOT_ENABLED: spec(400, false, () => "Creation of new accounts is not enabled for this project. Please ask the project owner to enable it."),
  PASSWORD_AUTHENTICATION_NOT_ENABLED: spec(400, false, () => "Password authentication is not enabled for this project."),
  SCHEMA_ERROR: spec(400, true, (d) => s(d.message)),
  BODY_PARSING_ERROR: spec(400, true, (d) => s(d.message)),
} satisfies Record<string, KnownErrorSpec>;

/** A code of {@link KNOWN_ERRORS}. */
export type KnownErrorCode = keyof typeof KNOWN_ERRORS;

/** The wire body of a known error, with fields in the API's order: code, details (if any), error. */
export function knownErrorBody(code: KnownErrorCode, details: Details = {}): {
  status: number;
  body: { code: string; details?: Details; error: string };
} {
  const e: KnownErrorSpec = KNOWN_ERRORS[code];
  const body = e.hasDetails ? { code, details, error: e.message(details) } : { code, error: e.message(details) };
  return { status: e.status, body };
}
