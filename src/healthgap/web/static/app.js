// Progressive enhancement only: GOV.UK Frontend components and Vega-Lite charts.
// Every chart has a table and a CSV link beside it, so nothing is lost without JavaScript.
import { initAll } from '/assets/govuk/govuk-frontend.min.js';
initAll();

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src; s.onload = resolve; s.onerror = reject;
    document.head.appendChild(s);
  });
}

async function drawCharts(charts) {
  await loadScript('/assets/vega/vega.min.js');
  await loadScript('/assets/vega-lite/vega-lite.min.js');
  await loadScript('/assets/vega-embed/vega-embed.min.js');
  // The Content-Security-Policy forbids eval: Vega runs its expressions through the
  // interpreter instead of compiling them.
  const { expressionInterpreter } = await import('/assets/vega-interpreter.js');
  for (const el of charts) {
    const spec = JSON.parse(document.getElementById(el.dataset.specId).textContent);
    await window.vegaEmbed(el, spec, {
      actions: false, renderer: 'svg', defaultStyle: false, ast: true, expr: expressionInterpreter,
    });
  }
}

const charts = document.querySelectorAll('[data-spec-id]');
if (charts.length) {
  drawCharts(charts).catch((e) => console.warn('chart not drawn:', e));
}
