/** The Swagger UI files the page loads; nothing else of the package is served (its own index points at a public demo API). */
export const DOCS_ASSETS = [
  "swagger-ui.css",
  "swagger-ui-bundle.js",
  "swagger-ui-standalone-preset.js",
  "favicon-32x32.png",
  "init.js",
] as const;

/**
 * The /docs page: Swagger UI from the swagger-ui-dist package, served by the gateway itself
 * (no CDN: it works offline and leaks nothing about who reads the docs). No inline script, so
 * the page can run under a strict Content-Security-Policy.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>LLM Gateway API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/swagger-ui-standalone-preset.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

/** Points Swagger UI at this gateway's document; "Authorize" keeps the key for the session only. */
export const DOCS_INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  tryItOutEnabled: false,
  persistAuthorization: false,
});
`;

/** Swagger UI draws with inline styles and data: images; everything else comes from this origin. */
export const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
