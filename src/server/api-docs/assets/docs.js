// Swagger UI over this server's own document; "Try it out" sends to this server.
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: false,
  // The bundle would otherwise ask a public validator about the document: the page works offline.
  validatorUrl: null,
});
