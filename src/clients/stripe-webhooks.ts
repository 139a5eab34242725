/**
 * The webhook half of the `stripe` SDK, and nothing else: the package's own `Webhooks`
 * module (header parsing, the HMAC over WebCrypto, the tolerance check) and its error
 * classes, built on its WebCrypto platform functions exactly as the SDK's worker entry
 * builds `Stripe.webhooks`. The entry itself would also bring the API client and every
 * API resource (about 240 KiB minified), which Rampart never calls: it only receives
 * events. The package's export map lists no subpaths, so wrangler.toml [alias] (and the
 * tests, which apply the same aliases) map these three specifiers to the files.
 */
import { StripeSignatureVerificationError } from "stripe/esm/Error.js";
import { WebPlatformFunctions } from "stripe/esm/platform/WebPlatformFunctions.js";
import { createWebhooks } from "stripe/esm/Webhooks.js";

const platform = new WebPlatformFunctions();

/** `Stripe.webhooks`, as the SDK builds it for workers. */
export const webhooks = createWebhooks(platform);

/** The SDK's WebCrypto provider (`Stripe.createSubtleCryptoProvider()`). */
export const cryptoProvider = platform.createSubtleCryptoProvider();

export { StripeSignatureVerificationError };
