// /docs: Swagger UI (swagger-ui-dist, served locally) draws the interactive reference over
// the server-rendered table of operations, which stays for readers without JavaScript.
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src; s.onload = resolve; s.onerror = reject;
    document.head.appendChild(s);
  });
}

const target = document.getElementById('swagger-ui');
if (target) {
  loadScript('/assets/swagger-ui/swagger-ui-bundle.js').then(() => {
    window.SwaggerUIBundle({
      url: target.dataset.openapi,
      dom_id: '#swagger-ui',
      validatorUrl: null,            // offline: no call to validator.swagger.io
      supportedSubmitMethods: ['get'],  // reads can be tried; writes are documented only
      deepLinking: false,
    });
    const table = document.getElementById('hg-operations');
    if (table) table.closest('[role=region]')?.setAttribute('hidden', '');
  }).catch((e) => console.warn('API reference not drawn:', e));
}
