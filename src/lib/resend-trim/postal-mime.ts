/**
 * Bundle trim for `postal-mime` (~70 KB minified, half of it an HTML-entity table),
 * which the `resend` SDK imports only to parse a received email it is asked to
 * forward (`emails.receiving.forward` with passthrough). Rampart only sends mail, so
 * that path is never taken; if it ever were, this stand-in refuses plainly instead
 * of pretending to parse. Wired in wrangler.toml [alias]; see README "Bundle size".
 */
const PostalMime = {
  parse: (): Promise<never> => Promise.reject(new Error("postal-mime is not bundled: Rampart sends email and never parses a received one")),
};

export default PostalMime;
