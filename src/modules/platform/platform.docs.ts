/**
 * The /docs page: Swagger UI rendering /openapi.json, all from this origin. The
 * bundle and stylesheet come from the ASSETS binding (swagger-ui-dist), only the
 * allowlisted files; the initializer is an external script served here, so the
 * page's CSP needs no inline script or style.
 */
/** Path prefix of the page and its files (its own CSP applies below it). */
export const DOCS_PATH = "/docs";

/**
 * CSP of the page, measured with Chromium (test/e2e/docs.node.test.ts): scripts
 * and styles from this origin only; images also as data: URIs (Swagger UI's CSS
 * embeds its icons that way); fetches only to this origin (the document).
 */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The page. No inline script or style; a data: favicon keeps the browser from asking for one. */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rampart API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${DOCS_PATH}/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_PATH}/assets/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/init.js"></script>
</body>
</html>
`;

/** The initializer: no validator badge (it would call an external service), no remote configs. */
export const DOCS_INIT_JS = `"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  queryConfigEnabled: false,
  tryItOutEnabled: false,
});
`;

/** Content types of the allowlisted files (the asset server's guess is not trusted). */
export const DOCS_ASSET_TYPES: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};
