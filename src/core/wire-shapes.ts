// GENERATED from src/core/schemas/ by `npm run generate:shapes` (scripts/generate-wire-shapes.mjs): do not edit.
// The response checks of the SDK, in the compact form that wire-shape.ts reads.
import type * as z from "zod/mini";
import type * as schemas from "./schemas/index.js";
import type { Shape, ShapeDesc } from "./wire-shape.js";

/** Checks an answer against `itemResponseSchema`. */
export const itemResponseShape: Shape<z.output<typeof schemas.itemResponseSchema>> = ["o",{"id":"s","display_name":"s","quantity":"n"}];
/** Checks an answer against `updateQuantityResponseSchema`. */
export const updateQuantityResponseShape: Shape<z.output<typeof schemas.updateQuantityResponseSchema>> = ["o",{}];
/** Checks an answer against `successResponseSchema`. */
export const successResponseShape: Shape<z.output<typeof schemas.successResponseSchema>> = ["o",{"success":["e",[true]]}];
const dayIntervalShape: ShapeDesc = ["t",[["c","i",[[0,Infinity]]],["e",["day","week","month","year"]]]];
const moneyShape: ShapeDesc = ["c","s",[/^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/]];
const productOutputShape: ShapeDesc = ["o",{"display_name":"s","customer_type":["e",["user","team","custom"]],"stackable":"b","server_only":"b","included_items":["r",["o",{"quantity":"n","repeat":["|",[dayIntervalShape,["e",["never"]]]],"expires":["e",["never","when-purchase-expires","when-repeated"]]}]],"client_metadata":["~","u"],"client_read_only_metadata":["~","u"],"server_metadata":["~","u"],"prices":["r",["o",{"USD":["?",moneyShape],"EUR":["?",moneyShape],"GBP":["?",moneyShape],"JPY":["?",moneyShape],"INR":["?",moneyShape],"AUD":["?",moneyShape],"CAD":["?",moneyShape],"interval":["?",dayIntervalShape],"free_trial":["?",dayIntervalShape]}]]}];
/** Checks an answer against `productsListResponseSchema`. */
export const productsListResponseShape: Shape<z.output<typeof schemas.productsListResponseSchema>> = ["o",{"items":["a",["o",{"id":["~","s"],"quantity":"n","product":productOutputShape,"type":["?",["e",["one_time","subscription"]]],"subscription":["?",["~",["o",{"subscription_id":["~","s"],"current_period_end":["~","s"],"cancel_at_period_end":"b","is_cancelable":"b"}]]],"switch_options":["?",["a",["o",{"product_id":"s","product":productOutputShape}]]]}]],"is_paginated":"b","pagination":["o",{"next_cursor":["~","s"]}]}];
/** Checks an answer against `grantProductResponseSchema`. */
export const grantProductResponseShape: Shape<z.output<typeof schemas.grantProductResponseSchema>> = ["o",{"success":["e",[true]],"subscription_id":["?","s"]}];
/** Checks an answer against `createPurchaseUrlResponseSchema`. */
export const createPurchaseUrlResponseShape: Shape<z.output<typeof schemas.createPurchaseUrlResponseSchema>> = ["o",{"url":"s"}];
/** Checks an answer against `invoicesListResponseSchema`. */
export const invoicesListResponseShape: Shape<z.output<typeof schemas.invoicesListResponseSchema>> = ["o",{"items":["a",["o",{"created_at_millis":"n","status":["~",["e",["draft","open","paid","uncollectible","void"]]],"amount_total":"n","hosted_invoice_url":["~","s"]}]],"is_paginated":"b","pagination":["o",{"next_cursor":["~","s"]}]}];
const defaultPaymentMethodShape: ShapeDesc = ["o",{"id":"s","brand":["~","s"],"last4":["~","s"],"exp_month":["~","n"],"exp_year":["~","n"]}];
/** Checks an answer against `billingResponseSchema`. */
export const billingResponseShape: Shape<z.output<typeof schemas.billingResponseSchema>> = ["o",{"has_customer":"b","default_payment_method":["~",defaultPaymentMethodShape]}];
/** Checks an answer against `setupIntentResponseSchema`. */
export const setupIntentResponseShape: Shape<z.output<typeof schemas.setupIntentResponseSchema>> = ["o",{"client_secret":"s","stripe_account_id":"s"}];
/** Checks an answer against `setDefaultPaymentMethodResponseSchema`. */
export const setDefaultPaymentMethodResponseShape: Shape<z.output<typeof schemas.setDefaultPaymentMethodResponseSchema>> = ["o",{"success":["e",[true]],"default_payment_method":["~",defaultPaymentMethodShape]}];
/** Checks an answer against `liveEventSchema`. */
export const liveEventShape: Shape<z.output<typeof schemas.liveEventSchema>> = ["|",[["o",{"kind":["e",["item"]],"item_id":"s","item":itemResponseShape}],["o",{"kind":["e",["products"]],"products":productsListResponseShape}]]];
/** Checks an answer against `signInResponseSchema`. */
export const signInResponseShape: Shape<z.output<typeof schemas.signInResponseSchema>> = ["o",{"access_token":"s","refresh_token":"s","user_id":"s"}];
/** Checks an answer against `createSessionResponseSchema`. */
export const createSessionResponseShape: Shape<z.output<typeof schemas.createSessionResponseSchema>> = ["o",{"access_token":"s","refresh_token":"s"}];
/** Checks an answer against `oauthTokenResponseSchema`. */
export const oauthTokenResponseShape: Shape<z.output<typeof schemas.oauthTokenResponseSchema>> = ["o",{"access_token":"s"}];
/** Checks an answer against `clientTeamSchema`. */
export const clientTeamShape: Shape<z.output<typeof schemas.clientTeamSchema>> = ["o",{"id":"s","display_name":"s","profile_image_url":["~","s"],"client_metadata":["~","u"],"client_read_only_metadata":["~","u"]}];
/** Checks an answer against `serverTeamSchema`. */
export const serverTeamShape: Shape<z.output<typeof schemas.serverTeamSchema>> = ["o",{"id":"s","display_name":"s","profile_image_url":["~","s"],"client_metadata":["~","u"],"client_read_only_metadata":["~","u"],"created_at_millis":"n","server_metadata":["~","u"]}];
/** Checks an answer against `teamsListResponseSchema`. */
export const teamsListResponseShape: Shape<z.output<typeof schemas.teamsListResponseSchema>> = ["o",{"items":["a",clientTeamShape],"is_paginated":"b"}];
/** Checks an answer against `serverTeamsListResponseSchema`. */
export const serverTeamsListResponseShape: Shape<z.output<typeof schemas.serverTeamsListResponseSchema>> = ["o",{"items":["a",serverTeamShape],"is_paginated":"b"}];
/** Checks an answer against `teamMembershipResponseSchema`. */
export const teamMembershipResponseShape: Shape<z.output<typeof schemas.teamMembershipResponseSchema>> = ["o",{"team_id":"s","user_id":"s"}];
const oauthProvidersShape: ShapeDesc = ["a",["o",{"id":"s","account_id":"s","email":["~","s"]}]];
/** Checks an answer against `clientUserSchema`. */
export const clientUserShape: Shape<z.output<typeof schemas.clientUserSchema>> = ["o",{"id":"s","display_name":["~","s"],"primary_email":["~","s"],"primary_email_verified":"b","profile_image_url":["~","s"],"signed_up_at_millis":"n","client_metadata":["~","u"],"client_read_only_metadata":["~","u"],"has_password":"b","auth_with_email":"b","otp_auth_enabled":"b","passkey_auth_enabled":"b","requires_totp_mfa":"b","oauth_providers":oauthProvidersShape,"selected_team_id":["~","s"],"selected_team":["~",clientTeamShape],"is_anonymous":"b","is_restricted":"b","restricted_reason":["~",["o",{"type":"s"}]],"restricted_by_admin":"b","restricted_by_admin_reason":["~","s"]}];
/** Checks an answer against `serverUserSchema`. */
export const serverUserShape: Shape<z.output<typeof schemas.serverUserSchema>> = ["o",{"id":"s","display_name":["~","s"],"primary_email":["~","s"],"primary_email_verified":"b","profile_image_url":["~","s"],"signed_up_at_millis":"n","client_metadata":["~","u"],"client_read_only_metadata":["~","u"],"has_password":"b","auth_with_email":"b","otp_auth_enabled":"b","passkey_auth_enabled":"b","requires_totp_mfa":"b","oauth_providers":oauthProvidersShape,"selected_team_id":["~","s"],"selected_team":["~",serverTeamShape],"is_anonymous":"b","is_restricted":"b","restricted_reason":["~",["o",{"type":"s"}]],"restricted_by_admin":"b","restricted_by_admin_reason":["~","s"],"server_metadata":["~","u"],"primary_email_auth_enabled":"b","last_active_at_millis":"n","restricted_by_admin_private_details":["~","s"],"country_code":["~","s"],"risk_scores":["o",{"sign_up":["o",{"bot":"n","free_trial_abuse":"n"}]}]}];
const signedMoneyShape: ShapeDesc = ["c","s",[/^-?(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/]];
/** Checks an answer against `transactionsListResponseSchema`. */
export const transactionsListResponseShape: Shape<z.output<typeof schemas.transactionsListResponseSchema>> = ["o",{"transactions":["a",["o",{"id":"s","created_at_millis":"n","effective_at_millis":"n","type":["~",["e",["purchase","subscription-cancellation","subscription-renewal","manual-item-quantity-change","refund","chargeback","product-change"]]],"customer_type":["?",["e",["user","team","custom"]]],"customer_id":["?","s"],"entries":["a",["|",[["o",{"type":["e",["money_transfer"]],"adjusted_transaction_id":["~","s"],"adjusted_entry_index":["~",["c","i",[[0,Infinity]]]],"customer_type":["e",["user","team","custom"]],"customer_id":"s","charged_amount":["r",signedMoneyShape],"net_amount":["o",{"USD":signedMoneyShape}]}],["o",{"type":["e",["item_quantity_change"]],"adjusted_transaction_id":["~","s"],"adjusted_entry_index":["~",["c","i",[[0,Infinity]]]],"customer_type":["e",["user","team","custom"]],"customer_id":"s","item_id":"s","quantity":"n","description":["?",["~","s"]],"expires_at_millis":["?",["~","n"]]}],["o",{"type":["e",["product_grant"]],"adjusted_transaction_id":["~","s"],"adjusted_entry_index":["~",["c","i",[[0,Infinity]]]],"customer_type":["e",["user","team","custom"]],"customer_id":"s","product_id":["~","s"],"product":productOutputShape,"price_id":["~","s"],"quantity":"n","subscription_id":["?","s"],"one_time_purchase_id":["?","s"]}],["o",{"type":["e",["product_revocation"]],"adjusted_transaction_id":"s","adjusted_entry_index":["c","i",[[0,Infinity]]],"quantity":"n"}],["o",{"type":["e",["product_revocation_reversal"]],"adjusted_transaction_id":"s","adjusted_entry_index":["c","i",[[0,Infinity]]],"quantity":"n"}]]]],"adjusted_by":["a",["o",{"transaction_id":"s","entry_index":["c","i",[[0,Infinity]]]}]],"test_mode":"b"}]],"next_cursor":["~","s"]}];
/** Checks an answer against `refundTransactionResponseSchema`. */
export const refundTransactionResponseShape: Shape<z.output<typeof schemas.refundTransactionResponseSchema>> = ["o",{"success":"b","refund_transaction_id":["?","s"]}];
/** Checks an answer against `paymentsSetupResponseSchema`. */
export const paymentsSetupResponseShape: Shape<z.output<typeof schemas.paymentsSetupResponseSchema>> = ["o",{"url":"s"}];
/** Checks an answer against `stripeAccountInfoSchema`. */
export const stripeAccountInfoShape: Shape<z.output<typeof schemas.stripeAccountInfoSchema>> = ["o",{"account_id":"s","charges_enabled":"b","details_submitted":"b","payouts_enabled":"b"}];
/** Checks an answer against `paymentMethodConfigsResponseSchema`. */
export const paymentMethodConfigsResponseShape: Shape<z.output<typeof schemas.paymentMethodConfigsResponseSchema>> = ["o",{"config_id":"s","methods":["a",["o",{"id":"s","name":"s","enabled":"b","available":"b","overridable":"b"}]]}];
/** Checks an answer against `stripeWidgetAccountSessionResponseSchema`. */
export const stripeWidgetAccountSessionResponseShape: Shape<z.output<typeof schemas.stripeWidgetAccountSessionResponseSchema>> = ["o",{"client_secret":"s"}];
/** Checks an answer against `adminProjectSchema`. */
export const adminProjectShape: Shape<z.output<typeof schemas.adminProjectSchema>> = ["o",{"id":"s","display_name":"s","description":"s","logo_url":["?",["~","s"]],"logo_full_url":["?",["~","s"]],"logo_dark_mode_url":["?",["~","s"]],"logo_full_dark_mode_url":["?",["~","s"]],"created_at_millis":"n","is_production_mode":"b","owner_team_id":["~","s"],"onboarding_status":"s","config":["o",{"allow_localhost":"b","client_team_creation_enabled":"b","client_user_deletion_enabled":"b","sign_up_enabled":"b","oauth_account_merge_strategy":"s","create_team_on_sign_up":"b","credential_enabled":"b","magic_link_enabled":"b","passkey_enabled":"b","oauth_providers":["a",["o",{"provider_config_id":"s","id":"s","type":["e",["shared","standard"]],"client_id":["?","s"],"client_secret":["?","s"]}]],"enabled_oauth_providers":["a",["o",{"id":"s"}]],"domains":["a",["o",{"domain":"s","handler_path":"s"}]],"email_config":["o",{"type":["e",["shared","standard"]]}],"email_theme":"s","team_creator_default_permissions":["a",["o",{"id":"s"}]],"team_member_default_permissions":["a",["o",{"id":"s"}]],"user_default_permissions":["a",["o",{"id":"s"}]],"allow_user_api_keys":"b","allow_team_api_keys":"b"}]}];
/** Checks an answer against `configStringResponseSchema`. */
export const configStringResponseShape: Shape<z.output<typeof schemas.configStringResponseSchema>> = ["o",{"config_string":"s"}];
