/* Kernel-free explorables of the Strong Model Collapse companion.
 * Served by collapse_lib.explorables.sphinx after the Vega bundle; see collapse_lib/explorables/embed.py.
 * window.collapseExplorables.embed(box, spec, name) draws a Vega-Lite spec into box and keeps its view
 * in window.collapseExplorables.views[name] (read by tests/browser/test_explorables.py). */
(function () {
  "use strict";
  var views = {};
  var OPTIONS = {
    renderer: "svg",
    actions: {export: true, source: false, compiled: false, editor: false},
    downloadFileName: "explorable"
  };

  // The specs are written for Vega-Lite 5 (the major JupyterLab 4 renders). The site bundles Vega-Lite __VEGALITE__
  // with the Vega it compiles for; the schema is updated to that version so that vega-embed compiles them with it
  // (the tests compile every spec with both versions and draw it in the browser).
  var SCHEMA = "https://vega.github.io/schema/vega-lite/v__VEGALITE__.json";

  // Stacked panels (vconcat) cannot take the container's width in Vega-Lite: each panel gets the column width
  // less room for the y axis. Their widths are fixed numbers in the compiled view (there is no width signal to
  // set), so when the column's width changes the figure is drawn again, keeping the reader's control values.
  var AXIS_ROOM = 110;  // y axis and the actions button

  function panelWidth(box) {
    return Math.max(200, Math.floor(box.clientWidth - AXIS_ROOM));
  }

  function fitted(spec, box) {
    if (!spec.vconcat) { return spec; }
    var w = panelWidth(box);
    return Object.assign({}, spec, {vconcat: spec.vconcat.map(function (panel) {
      return Object.assign({}, panel, {width: w});
    })});
  }

  function followResize(box, spec, name) {
    if (!spec.vconcat || box.getAttribute("data-follows-resize") === "1") { return; }
    box.setAttribute("data-follows-resize", "1");
    var pending = null, drawnAt = panelWidth(box);
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        var w = panelWidth(box), view = views[name];
        if (w === drawnAt || !view) { return; }
        drawnAt = w;
        var params = (spec.params || []).map(function (p) {
          return p.bind ? Object.assign({}, p, {value: view.signal(p.name)}) : p;
        });
        view.finalize();
        embed(box, Object.assign({}, spec, {params: params}), name);
      }, 150);
    });
  }

  function embed(box, spec, name) {
    box.textContent = "";
    return Promise.resolve().then(function () {
      return window.vegaEmbed(box, fitted(Object.assign({}, spec, {$schema: SCHEMA}), box),
                              Object.assign({}, OPTIONS, {downloadFileName: name}));
    })
      .then(function (result) {
        views[name] = result.view;
        followResize(box, spec, name);
        box.setAttribute("data-ready", "1");
        return result.view;
      })
      .catch(function (err) {
        box.textContent = "This interactive figure could not be drawn (" + err + ").";
        console.error(err);
      });
  }

  function mount(box, spec, name, kind) {
    if (kind === "calculator") {
      return window.collapseCalculator.mount(box, spec, name, embed, spec.usermeta.calculator);
    }
    return embed(box, spec, name);
  }

  window.collapseExplorables = {views: views, embed: embed, mount: mount};
  window.dispatchEvent(new Event("collapse-explorables-ready"));
})();
