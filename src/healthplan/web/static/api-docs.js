// Starts Swagger UI on /api/v1/docs. A file of its own rather than an inline script, so
// that the page needs no 'unsafe-inline' in its Content-Security-Policy.
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
