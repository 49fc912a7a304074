// Starts Swagger UI on the page's own spec. Plain browser JavaScript, loaded as a file (the
// page's CSP allows scripts from its own origin only). The spec URL comes from the page's
// `data-spec` attribute; the token typed under "Authorize" lives in this tab's memory only.
(() => {
  const root = document.getElementById('swagger-ui');
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    filter: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
    // Swagger UI would otherwise ask validator.swagger.io to badge the spec: no call leaves.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
})();
