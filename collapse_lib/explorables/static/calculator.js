/* The collapse calculator of the Strong Model Collapse companion.
 *
 * A line-by-line port of collapse_lib.theory.classical (Theorem 1; kappa by the library's safeguarded Newton
 * iteration in log kappa, collapse_lib/theory/_newton.py) and of collapse_lib.explorables.calculator.estimate
 * (the floor's onset and the clean-sample equivalent by the same scan and bisection). The browser tests
 * (tests/browser/test_explorables.py) check it against the library at hundreds of random points to 1e-6.
 * Exposes window.collapseCalculator = {setting, classical, estimate, curve, mount}.
 */
(function () {
  "use strict";

  var MAX_ITER = 200, TOL = 1e-14;

  // ---------------------------------------------------------------- model (collapse_lib/setting.py)
  // Setting.power_law(d, alpha, r2, c2, sigma2): s_j ∝ j^-alpha with tr Σ = d, Γ = (r2/d) I, Δ = (c2/d) I,
  // equal eigenvalues grouped (Setting.grouped, a GroupedSpectrum): s (eigenvalues), w (multiplicity),
  // g (gamma_sum), dl (delta_sum).
  function setting(d, alpha, r2, c2, sigma2) {
    var s = [], w = [], j, sum = 0;
    if (alpha === 0) {
      s = [1]; w = [d];
    } else {
      for (j = 1; j <= d; j++) { s.push(Math.pow(j, -alpha)); w.push(1); sum += s[j - 1]; }
      for (j = 0; j < d; j++) { s[j] *= d / sum; }
    }
    var g = w.map(function (x) { return x * r2 / d; });
    var dl = w.map(function (x) { return x * c2 / d; });
    var tr = 0, smin = Infinity;
    for (j = 0; j < s.length; j++) { tr += w[j] * s[j]; smin = Math.min(smin, s[j]); }
    return {s: s, w: w, g: g, dl: dl, d: d, tr: tr, smin: smin, sigma2: sigma2, c2: c2};
  }

  // ---------------------------------------------------------------- collapse_lib/theory/_newton.py
  function newtonLog(fun, tlo, thi) {
    var t = 0.5 * (tlo + thi);
    for (var it = 0; it < MAX_ITER; it++) {
      var r = fun(Math.exp(t)), F = r[0], dF = r[1];
      if (!(F > 0)) { tlo = t; } else { thi = t; }
      var step = -F / dF, tn = t + step;
      var small = Math.abs(step) < TOL * Math.max(1, Math.abs(t));
      var done = small || F === 0 || thi - tlo < TOL;
      var outside = !(tn > tlo && tn < thi) && !small;
      if (outside) { tn = 0.5 * (tlo + thi); }
      if (F === 0) { tn = t; }
      t = tn;
      if (done) { break; }
    }
    return Math.exp(t);
  }

  // ---------------------------------------------------------------- collapse_lib/theory/ridge.py
  function solveKappa(st, n, lam) {
    if (lam === 0 && st.d <= n) { return 0; }
    var lo = Math.max(lam, st.smin * Math.max(st.d / n - 1, 0)), hi = lam + st.tr / n;
    return newtonLog(function (k) {
      var df1 = 0, dq = 0;
      for (var j = 0; j < st.s.length; j++) {
        var q = st.s[j] / (st.s[j] + k);
        df1 += st.w[j] * q; dq += st.w[j] * q * (1 - q);
      }
      return [1 - df1 / n - lam / k, dq / n + lam / k];
    }, Math.log(lo), Math.log(hi));
  }

  function traces(st, kappa) {
    var out = {df2: 0, tg: 0, t3: 0, t2: 0, t1: 0};
    for (var j = 0; j < st.s.length; j++) {
      var s = st.s[j], r = 1 / ((s + kappa) * (s + kappa));
      out.df2 += st.w[j] * s * s * r; out.tg += st.g[j] * s * r;
      out.t3 += st.dl[j] * s * s * s * r; out.t2 += st.dl[j] * s * s * r; out.t1 += st.dl[j] * s * r;
    }
    return out;
  }

  // Theorem 1 at one (n, p2, lam); sigma2 is the noise of both sources.
  function classical(st, n, p2, lam) {
    var kappa = solveKappa(st, n, lam), T = traces(st, kappa), p1 = 1 - p2;
    var interp = n - T.df2 <= 1e-12 * n;
    var u = interp ? Infinity : T.df2 / (n - T.df2);
    var bias = interp ? 0 : kappa * kappa * T.tg / (1 - T.df2 / n);
    var sigma2 = p1 * st.sigma2 + p2 * st.sigma2;
    var variance = interp && sigma2 === 0 ? 0 : sigma2 * u;
    var mix = p1 * p1 * T.t3 + 2 * p1 * kappa * T.t2 + kappa * kappa * T.t1;
    var zeta = p2 === 0 ? 0 : p2 * p2 * (1 + p1 * u) * T.t3 + p2 * u * mix;
    if (interp) { zeta = p2 * p2 * T.t3 + (p1 > 0 && p2 > 0 && T.t3 > 0 ? Infinity : 0); }
    var clean = bias + variance;
    return {total: clean + zeta, bias: bias, variance: variance, zeta: zeta, clean: clean,
            floor: p2 * p2 * traces(st, lam).t3, kappa: kappa, u: u};
  }

  // ---------------------------------------------------------------- collapse_lib/explorables/calculator.py
  var SEARCH = [];
  for (var k = 0; k <= 120; k++) { SEARCH.push(Math.pow(10, k / 8)); }
  var BISECTIONS = 60;

  function lastCrossing(f, target) {
    var last = -1;
    for (var i = 0; i < SEARCH.length; i++) { if (f(SEARCH[i]) >= target) { last = i; } }
    if (last === SEARCH.length - 1) { return Infinity; }
    if (last < 0) { return 0; }
    var lo = Math.log(SEARCH[last]), hi = Math.log(SEARCH[last + 1]);
    for (var b = 0; b < BISECTIONS; b++) {
      var mid = 0.5 * (lo + hi);
      if (f(Math.exp(mid)) >= target) { lo = mid; } else { hi = mid; }
    }
    return Math.exp(0.5 * (lo + hi));
  }

  function estimate(x) {
    var st = setting(x.d, x.alpha, 1, x.c2, x.sigma2);
    var th = classical(st, x.n, x.p2, x.lam);
    var clean = function (m) { return classical(st, m, 0, x.lam).total; };
    var nFloor = th.floor > 0 ? lastCrossing(clean, th.floor) : Infinity;
    var nEq = lastCrossing(clean, th.total), nReal = (1 - x.p2) * x.n;
    return {total: th.total, bias: th.bias, variance: th.variance, zeta: th.zeta, clean: th.clean, floor: th.floor,
            floor_ridgeless: x.p2 * x.p2 * st.c2, n_real: nReal, n_synthetic: x.p2 * x.n, n_floor: nFloor,
            n_equivalent: nEq, worth: nEq - nReal};
  }

  // the chart's n axis (calculator.curve_sizes) and curves
  function curve(x, est) {
    var top = Math.min(Math.max(1e8, 100 * x.n, isFinite(est.n_floor) ? 100 * est.n_floor : 0), 1e15);
    var st = setting(x.d, x.alpha, 1, x.c2, x.sigma2), rows = [], N = 240;
    for (var i = 0; i < N; i++) {
      var m = Math.exp(Math.log(top) * i / (N - 1)), th = classical(st, m, x.p2, x.lam);
      rows.push({n: m, total: isFinite(th.total) ? th.total : 1e300, clean: isFinite(th.clean) ? th.clean : 1e300,
                 floor: th.floor});
    }
    return rows;
  }

  // ---------------------------------------------------------------- the page
  var FIELDS = [
    {key: "n", label: "n, training samples in all", min: 1, step: "any",
     help: "real and synthetic together"},
    {key: "p2", label: "p₂, synthetic fraction", min: 0, max: 1, step: 0.01,
     help: "n₂ = p₂n synthetic samples, n₁ = (1 − p₂)n real ones"},
    {key: "c2", label: "c², how far synthetic labels are from real ones", min: 0, step: "any",
     help: "0 = perfect; see “Estimating c²” below"},
    {key: "sigma2", label: "σ², label noise", min: 0, step: "any",
     help: "variance of the noise in the labels, real and synthetic alike"},
    {key: "lam", label: "λ, ridge penalty", min: 0, step: "any", help: "0 = ridgeless (minimum-norm least squares)"},
    {key: "spectrum", label: "spectrum of the inputs", options: [["iso", "isotropic (Σ = I)"],
                                                               ["pow", "power law s_j ∝ j^(−α)"]]},
    {key: "alpha", label: "α, power-law exponent", min: 0, max: 5, step: 0.05, help: "larger = faster decay"},
    {key: "d", label: "d, input dimension", min: 1, step: 1, help: "at most 10,000 here"}
  ];

  var OUTPUTS = [
    ["total", "predicted test error E = B + V + ζ", "E = B + V + ζ (Theorem 1)", "eq-thm1"],
    ["clean", "… of which the clean error B + V", "B + V: the error of n real samples (κ, u from n and λ)", "eq-thm1-bv"],
    ["zeta", "… and the synthetic-data term ζ",
     "ζ = p₂²(1 + p₁u) tr ΔΣ³(Σ+κ)⁻² + p₂u tr ΔΣ(p₁Σ+κ)²(Σ+κ)⁻²", "eq-thm1-zeta"],
    ["floor", "floor as n → ∞", "p₂² tr ΔΣ³(Σ+λ)⁻², which is p₂²c² at λ = 0", "eq-floor"],
    ["floor_ridgeless", "… its ridgeless value p₂²c²", "p₂²c² (Corollary 1)", "eq-floor"],
    ["n_floor", "n at which the floor dominates",
     "the n beyond which the clean error B + V falls below the floor (last crossing of B + V = floor)",
     "eq-crossover"],
    ["n_equivalent", "real samples giving the same error",
     "the m with clean error B + V at m equal to your E (last crossing)", "eq-thm1-bv"],
    ["worth", "what your synthetic samples are worth",
     "m − n₁: real samples your n₂ synthetic ones replace (negative: they hurt)", "eq-thm1"]
  ];

  function fmtError(v) {
    if (!isFinite(v)) { return v > 0 ? "∞" : "—"; }
    if (v === 0) { return "0"; }
    return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(4) : v.toExponential(3);
  }

  function fmtSize(v) {
    if (!isFinite(v)) { return v > 0 ? "beyond 10¹⁵ (never)" : "—"; }
    if (v === 0) { return "below 1"; }
    var a = Math.abs(v);
    var txt = a < 1e7 ? Math.round(a).toLocaleString("en-US") : a.toExponential(3);
    return (v < 0 ? "−" : "") + txt;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function mount(box, spec, name, embed, config) {
    var defaults = config.defaults, form = el("form", {"class": "collapse-calculator-form", "novalidate": ""});
    var inputs = {};
    box.textContent = "";
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    FIELDS.forEach(function (f) {
      var row = el("label", {"class": "collapse-calc-field"}), input;
      row.appendChild(el("span", {"class": "collapse-calc-label"}, f.label));
      if (f.options) {
        input = el("select", {name: f.key});
        f.options.forEach(function (o) { input.appendChild(el("option", {value: o[0]}, o[1])); });
        input.value = defaults.alpha > 0 ? "pow" : "iso";
      } else {
        input = el("input", {type: "number", name: f.key, min: f.min, step: f.step});
        if (f.max !== undefined) { input.setAttribute("max", f.max); }
        input.value = String(f.key === "alpha" && defaults.alpha === 0 ? 1 : defaults[f.key]);
      }
      row.appendChild(input);
      if (f.help) { row.appendChild(el("small", {"class": "collapse-calc-help"}, f.help)); }
      inputs[f.key] = input;
      form.appendChild(row);
    });
    var message = el("p", {"class": "collapse-calc-message", role: "status"});
    var table = el("table", {"class": "collapse-calc-results"}), cells = {};
    OUTPUTS.forEach(function (o) {
      var tr = el("tr", {"data-key": o[0]}), th = el("th", {scope: "row"}, o[1]), td = el("td", {"data-key": o[0]});
      var how = el("td", {"class": "collapse-calc-formula"}), details = el("details"), link;
      details.appendChild(el("summary", {}, "formula"));
      details.appendChild(el("span", {}, o[2] + " "));
      link = el("a", {href: "theorem1.html#equation-" + o[3]}, "(in the Theorem 1 chapter)");
      details.appendChild(link);
      how.appendChild(details);
      tr.appendChild(th); tr.appendChild(td); tr.appendChild(how);
      table.appendChild(tr);
      cells[o[0]] = td;
    });
    var chartBox = el("div", {"class": "collapse-explorable"});
    box.appendChild(form); box.appendChild(message); box.appendChild(table); box.appendChild(chartBox);
    inputs.alpha.closest("label").hidden = inputs.spectrum.value === "iso";

    function read() {
      var x = {}, bad = [];
      ["n", "p2", "c2", "sigma2", "lam", "d", "alpha"].forEach(function (k) { x[k] = Number(inputs[k].value); });
      if (inputs.spectrum.value === "iso") { x.alpha = 0; }
      if (!(x.n > 0) || !isFinite(x.n)) { bad.push("n must be a positive number"); }
      if (!(x.p2 >= 0 && x.p2 <= 1)) { bad.push("p₂ must lie between 0 and 1"); }
      ["c2", "sigma2", "lam", "alpha"].forEach(function (k) {
        if (!(x[k] >= 0) || !isFinite(x[k])) { bad.push(k + " must be a number ≥ 0"); }
      });
      if (!(Number.isInteger(x.d) && x.d >= 1 && x.d <= config.max_d)) {
        bad.push("d must be a whole number from 1 to " + config.max_d.toLocaleString("en-US"));
      }
      return {x: x, bad: bad};
    }

    var view = null, last = null;
    function update() {
      inputs.alpha.closest("label").hidden = inputs.spectrum.value === "iso";
      var r = read();
      if (r.bad.length) {
        message.textContent = r.bad.join("; ") + ".";
        box.setAttribute("data-valid", "0");
        return;
      }
      message.textContent = "";
      var est = estimate(r.x);
      OUTPUTS.forEach(function (o) {
        var v = est[o[0]], isSize = o[0].indexOf("n_") === 0 || o[0] === "worth";
        cells[o[0]].textContent = isSize ? fmtSize(v) : fmtError(v);
        cells[o[0]].setAttribute("data-value", String(v));
      });
      if (est.worth < 0) {
        cells.worth.appendChild(el("small", {}, "they hurt: the n₁ real samples alone would do better"));
      }
      last = {inputs: r.x, estimate: est};
      box.setAttribute("data-valid", "1");
      if (view) {
        view.data("curve", curve(r.x, est));
        view.data("marks", [[r.x.n, 0], [est.n_floor, 1], [est.n_equivalent, 2]].filter(function (p) {
          return isFinite(p[0]) && p[0] > 0;
        }).map(function (p) { return {n: p[0], kind: p[1]}; }));
        view.runAsync().then(function () { box.setAttribute("data-drawn", String(Date.now())); });
      }
    }
    Object.keys(inputs).forEach(function (k) {
      inputs[k].addEventListener("input", update);
      inputs[k].addEventListener("change", update);
    });
    box.collapseCalculator = {last: function () { return last; }};
    return embed(chartBox, spec, name).then(function (v) {
      view = v;
      update();
      box.setAttribute("data-ready", "1");
      return v;
    });
  }

  window.collapseCalculator = {setting: setting, classical: classical, estimate: estimate, curve: curve,
                               lastCrossing: lastCrossing, mount: mount};
})();
