/* The collapse calculator of the Strong Model Collapse companion.
 *
 * A port of collapse_lib.theory.classical (Theorem 1: kappa by the library's safeguarded Newton iteration in
 * log kappa, collapse_lib/theory/_newton.py; every trace from the bounded ratios q = s/(s+kappa) and
 * a = kappa/(s+kappa), theory/ridge.py) and of collapse_lib.explorables.calculator.estimate (the floor's onset
 * and the clean-sample equivalent by the same scan and bisection). tests/test_calculator_js.py runs this file in
 * Node.js against the library at hundreds of random points (1e-9 relative); the browser tests check the page.
 *
 * Speed (d = 10,000 eigenvalues, about 600 evaluations of Theorem 1 per set of inputs): the spectrum lives in
 * typed arrays, each ratio costs one division (q = 1/(1 + kappa/s), a = (kappa/s) q), kappa's Newton iteration
 * starts from the kappa of the neighbouring n (the root is the same; the library starts from the middle of the
 * bracket), the scan of the two sizes is shared and the bisection reuses values it has computed.
 * Exposes window.collapseCalculator = {setting, classical, estimate, curve, check, mount}.
 */
(function () {
  "use strict";

  var MAX_ITER = 200, TOL = 1e-14;

  // ---------------------------------------------------------------- model (collapse_lib/setting.py)
  // Setting.power_law(d, alpha, r2, c2, sigma2): s_j ∝ j^-alpha with tr Σ = d, Γ = (r2/d) I, Δ = (c2/d) I;
  // equal eigenvalues grouped as in Setting.grouped (alpha = 0: one eigenvalue 1 of multiplicity d). The
  // spectrum of the last (d, alpha) is kept: typing in the other fields does not recompute it.
  var spectra = {key: null};
  function spectrum(d, alpha) {
    var key = d + "/" + alpha;
    if (spectra.key !== key) {
      var s, w, j, sum = 0;
      if (alpha === 0) {
        s = new Float64Array([1]); w = new Float64Array([d]);
      } else {   // decreasing: the largest eigenvalue first
        s = new Float64Array(d); w = new Float64Array(d);
        for (j = 0; j < d; j++) { s[j] = Math.pow(j + 1, -alpha); sum += s[j]; }
        for (j = 0; j < d; j++) { s[j] *= d / sum; w[j] = 1; }
      }
      var J = s.length, inv = new Float64Array(J), tr = 0, smin = Infinity;
      for (j = 0; j < J; j++) { inv[j] = 1 / s[j]; tr += w[j] * s[j]; smin = Math.min(smin, s[j]); }
      spectra = {key: key, s: s, w: w, inv: inv, logTr: Math.log(tr), smin: smin};
    }
    return spectra;
  }

  function setting(d, alpha, r2, c2, sigma2) {
    var sp = spectrum(d, alpha), J = sp.s.length, sg = new Float64Array(J), sd = new Float64Array(J);
    for (var j = 0; j < J; j++) {
      sg[j] = sp.s[j] * (sp.w[j] * r2 / d);   // s_j times gamma_sum_j
      sd[j] = sp.s[j] * (sp.w[j] * c2 / d);   // s_j times delta_sum_j
    }
    return {s: sp.s, w: sp.w, inv: sp.inv, sg: sg, sd: sd, d: d, logTr: sp.logTr, smin: sp.smin, sigma2: sigma2,
            c2: c2, a: new Float64Array(J)};
  }

  // ---------------------------------------------------------------- collapse_lib/theory/_newton.py
  // Newton in t = log x on the bracket [tlo, thi], bisection when a step leaves it; t0: the start (clipped).
  // Two changes to the library's rule, for starts away from the bracket's middle: a step below QUADRATIC
  // (relative) is taken and ends the iteration, since Newton's next step would be of its square (below 1e-14
  // as well), which the library spends one more evaluation to see; and a Newton step that is not at most half
  // the previous one (slow, linear progress, e.g. steps of −1 where F ∝ e^t far above the root) is replaced by
  // bisection.
  var QUADRATIC = 1e-8;
  function newtonLog(fun, tlo, thi, t0) {
    var t = t0 === undefined ? 0.5 * (tlo + thi) : Math.min(Math.max(t0, tlo), thi), prev = Infinity;
    for (var it = 0; it < MAX_ITER; it++) {
      var r = fun(Math.exp(t)), F = r[0], dF = r[1];
      if (!(F > 0)) { tlo = t; } else { thi = t; }
      var step = -F / dF, tn = t + step, scale = Math.max(1, Math.abs(t));
      var small = Math.abs(step) < TOL * scale || (Math.abs(step) < QUADRATIC * scale && tn > tlo && tn < thi);
      var done = small || F === 0 || thi - tlo < TOL;
      var outside = (!(tn > tlo && tn < thi) || Math.abs(step) > 0.5 * Math.abs(prev)) && !small;
      prev = outside ? 0.5 * (thi - tlo) : step;
      if (outside) { tn = 0.5 * (tlo + thi); }
      if (F === 0) { tn = t; }
      t = tn;
      if (done) { break; }
    }
    return Math.exp(t);
  }

  function logaddexp(x, y) {
    var m = Math.max(x, y);
    return m === -Infinity ? m : m + Math.log1p(Math.exp(-Math.abs(x - y)));
  }

  // ---------------------------------------------------------------- collapse_lib/theory/ridge.py
  // kappa of Theorem 1 (solve_kappa); guess: a nearby kappa to start Newton from (optional)
  function solveKappa(st, n, lam, guess) {
    if (lam === 0 && st.d <= n) { return 0; }
    var over = st.d > n ? Math.log(st.smin) + Math.log(Math.max(st.d / n - 1, 1e-300)) : -Infinity;
    var lo = Math.max(Math.log(lam), over), hi = logaddexp(Math.log(lam), st.logTr - Math.log(n));
    var inv = st.inv, w = st.w, J = inv.length;
    return newtonLog(function (k) {
      // n − df1 without cancellation (ridge.excess): directions with q > 1/2 enter as 1 − a
      var bigW = 0, smallQ = 0, bigA = 0, qa = 0;
      for (var j = 0; j < J; j++) {
        var r = k * inv[j], q = 1 / (1 + r), a = r * q;
        if (q > 0.5) { bigW += w[j]; bigA += a * w[j]; } else { smallQ += q * w[j]; }
        qa += q * a * w[j];
      }
      return [(n - bigW - smallQ + bigA) / n - lam / k, qa / n + lam / k];
    }, lo, hi, guess > 0 && isFinite(guess) ? Math.log(guess) : undefined);
  }

  // Theorem 1 at one (n, p2, lam) (classical); sigma2 is the noise of both sources. opts.kappa: kappa at this
  // (n, lam), already solved; opts.guess: a nearby kappa; opts.floor: the floor if known (it does not depend on n).
  function classical(st, n, p2, lam, opts) {
    opts = opts || {};
    var kappa = opts.kappa !== undefined ? opts.kappa : solveKappa(st, n, lam, opts.guess);
    var p1 = 1 - p2, j, J = st.s.length, inv = st.inv, a = st.a, w = st.w, sg = st.sg, sd = st.sd;
    var nMinusDf1 = lam > 0 ? n * (lam / (kappa > 0 ? kappa : 1)) : Math.max(n - st.d, 0);
    var qaw = 0, df2 = 0, t3 = 0, tqa = 0, taa = 0, aag = 0;
    for (j = 0; j < J; j++) {   // the ratios q = s/(s+κ), a = κ/(s+κ) (ridge.ratios) and the traces, in one pass
      var r = kappa * inv[j], qj = 1 / (1 + r), aj = r * qj;
      a[j] = aj;
      qaw += qj * aj * w[j]; df2 += qj * qj * w[j];
      t3 += qj * qj * sd[j]; tqa += qj * aj * sd[j]; taa += aj * aj * sd[j]; aag += aj * aj * sg[j];
    }
    var gap = nMinusDf1 + qaw, c = gap > 0 ? n / gap : 0;
    // B = κ² tr ΓΣ(Σ+κ)⁻²/(1 − df2/n) = Σ a²·(n/gap)·sγ; where an a² may have underflowed (a < 1e-150 at the
    // largest eigenvalue, s[0]) the library's order a·(a·n/gap) is kept
    var bias = c * aag;
    if (c > 0 && a[0] < 1e-150) {
      bias = 0;
      for (j = 0; j < J; j++) { bias += a[j] * (a[j] * c) * sg[j]; }
    }
    var interp = gap <= 0;                                            // only at λ = 0, d = n
    var u = interp ? Infinity : df2 / gap;
    var sigma2 = p1 * st.sigma2 + p2 * st.sigma2;
    var variance = interp && sigma2 === 0 ? 0 : sigma2 * u;
    var mix = p1 * p1 * t3 + 2 * p1 * tqa + taa;                      // tr ΔΣ(p1Σ+κ)²(Σ+κ)⁻²
    var zeta = p2 === 0 ? 0 : p2 * p2 * (1 + p1 * u) * t3 + p2 * u * mix;
    if (interp) { zeta = p2 * p2 * t3 + (p1 > 0 && p2 > 0 && t3 > 0 ? Infinity : 0); }
    var clean = bias + variance;
    var floor = opts.floor !== undefined ? opts.floor : p2 * p2 * floorTrace(st, lam);
    return {total: clean + zeta, bias: bias, variance: variance, zeta: zeta, clean: clean, floor: floor,
            kappa: kappa, u: u};
  }

  // tr ΔΣ³(Σ+λ)⁻², the n → ∞ limit of the synthetic term's trace
  function floorTrace(st, lam) {
    var t = 0;
    for (var j = 0; j < st.s.length; j++) { var q = 1 / (1 + lam * st.inv[j]); t += q * q * st.sd[j]; }
    return t;
  }

  // ---------------------------------------------------------------- collapse_lib/explorables/calculator.py
  var PER_DECADE = 8, SEARCH = [];
  for (var k = 0; k <= 15 * PER_DECADE; k++) { SEARCH.push(Math.pow(10, k / PER_DECADE)); }
  var BISECTIONS = 60;

  // The clean error B + V of m real samples, each value and its kappa kept by m. Kappa's Newton iteration
  // starts from the kappa of the last m computed, extrapolated in log–log along the scan (kappa is smooth in n).
  function cleanError(st, lam) {
    var memo = new Map(), logM = [], logK = [];
    function guess(m) {   // through the last three points (quadratic), two (linear) or one
      var i = logM.length - 1, t = Math.log(m), x = logM, y = logK;
      if (i < 0) { return undefined; }
      var ok = function (j) { return j >= 0 && isFinite(y[j]) && (j === i || x[j] !== x[j + 1]); };
      if (ok(i - 2) && ok(i - 1) && ok(i) && x[i - 2] !== x[i]) {
        var l0 = (t - x[i - 1]) * (t - x[i]) / ((x[i - 2] - x[i - 1]) * (x[i - 2] - x[i]));
        var l1 = (t - x[i - 2]) * (t - x[i]) / ((x[i - 1] - x[i - 2]) * (x[i - 1] - x[i]));
        var l2 = (t - x[i - 2]) * (t - x[i - 1]) / ((x[i] - x[i - 2]) * (x[i] - x[i - 1]));
        return Math.exp(l0 * y[i - 2] + l1 * y[i - 1] + l2 * y[i]);
      }
      if (ok(i - 1) && ok(i)) { return Math.exp(y[i] + (y[i] - y[i - 1]) * (t - x[i]) / (x[i] - x[i - 1])); }
      return Math.exp(y[i]);
    }
    var f = function (m) {
      var got = memo.get(m);
      if (got === undefined) {
        var th = classical(st, m, 0, lam, {guess: guess(m), floor: 0});
        got = {value: th.total, kappa: th.kappa};
        memo.set(m, got);
        logM.push(Math.log(m)); logK.push(Math.log(th.kappa));
      }
      return got.value;
    };
    f.kappa = function (m) { var got = memo.get(m); return got === undefined ? undefined : got.kappa; };
    return f;
  }

  // calculator.last_crossing: the largest m in [1, 1e15] where f falls below target for good (scan, bisection)
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

  // the inputs the calculator accepts (calculator.RANGES; the page takes them from its config)
  var RANGES = {n: [1, 1e15], p2: [0, 1], c2: [0, 1e6], sigma2: [0, 1e6], lam: [0, 1e3], d: [1, 10000],
                alpha: [0, 5]};
  var SYMBOL = {n: "n", p2: "p₂", c2: "c²", sigma2: "σ²", lam: "λ", d: "d", alpha: "α"};

  // 1e6 as "10⁶", other numbers with thousands separators
  function power(v) {
    var e = Math.round(Math.log10(Math.abs(v)));
    if (v >= 1e5 && Math.pow(10, e) === v) {
      var sup = {"-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹"};
      return "10" + String(e).split("").map(function (c) { return sup[c]; }).join("");
    }
    return v.toLocaleString("en-US");
  }

  // The reason an input is refused (calculator._inputs), or "" when it is accepted. value: a number or NaN.
  function check(key, value, ranges) {
    var r = (ranges || RANGES)[key], name = SYMBOL[key];
    if (typeof value !== "number" || isNaN(value)) { return name + ": enter a number"; }
    if (key === "d" && !Number.isInteger(value)) {
      return "d must be a whole number from " + power(r[0]) + " to " + power(r[1]);
    }
    if (!(value >= r[0] && value <= r[1])) {
      return name + " must be from " + power(r[0]) + " to " + power(r[1]);
    }
    return "";
  }

  function estimate(x) {
    var bad = ["n", "p2", "c2", "sigma2", "lam", "d", "alpha"].map(function (k) { return check(k, x[k]); })
      .filter(function (m) { return m; });
    if (bad.length) { throw new RangeError(bad.join("; ")); }
    var st = setting(x.d, x.alpha, 1, x.c2, x.sigma2);
    var th = classical(st, x.n, x.p2, x.lam);
    var clean = cleanError(st, x.lam);   // one scan serves both sizes
    var nFloor = th.floor > 0 ? lastCrossing(clean, th.floor) : Infinity;
    var nEq = lastCrossing(clean, th.total), nReal = (1 - x.p2) * x.n;
    var est = {total: th.total, bias: th.bias, variance: th.variance, zeta: th.zeta, clean: th.clean, floor: th.floor,
               floor_ridgeless: x.p2 * x.p2 * st.c2, n_real: nReal, n_synthetic: x.p2 * x.n, n_floor: nFloor,
               n_equivalent: nEq, worth: nEq - nReal};
    Object.defineProperty(est, "scan", {value: clean, enumerable: false});   // its kappas serve the chart
    return est;
  }

  // the chart's n axis (calculator.curve_sizes): 1 to max(1e8, 100 n, 100 n_floor), capped at 1e15, 16 points
  // a decade, so that every other point is one of the scan's
  var CURVE_PER_DECADE = 2 * PER_DECADE;
  function curveSizes(n, nFloor) {
    var top = Math.min(Math.max(1e8, 100 * n, isFinite(nFloor) ? 100 * nFloor : 0), 1e15);
    var K = Math.ceil(CURVE_PER_DECADE * Math.log10(top) - 1e-9), m = [];
    for (var k = 0; k <= K; k++) { m.push(Math.pow(10, k / CURVE_PER_DECADE)); }   // k even: SEARCH[k / 2]
    return m;
  }

  // the chart's curves (calculator.curve); kappa from the estimate's scan where it has it, else started from
  // the scan's kappas around (cubic interpolation in log–log)
  function curve(x, est) {
    var st = setting(x.d, x.alpha, 1, x.c2, x.sigma2), sizes = curveSizes(x.n, est.n_floor), rows = [];
    var floor = x.p2 * x.p2 * floorTrace(st, x.lam), known = est.scan ? est.scan.kappa : function () {};
    var logK = sizes.map(function (m) { var k = known(m); return k > 0 ? Math.log(k) : NaN; }), last;
    for (var i = 0; i < sizes.length; i++) {
      var m = sizes[i], kappa = known(m), opts = {floor: floor};
      if (kappa !== undefined) {
        opts.kappa = kappa;
      } else {
        var f0 = logK[i - 3], f1 = logK[i - 1], f2 = logK[i + 1], f3 = logK[i + 3];
        if (isFinite(f0) && isFinite(f1) && isFinite(f2) && isFinite(f3)) {
          opts.guess = Math.exp((-f0 + 9 * f1 + 9 * f2 - f3) / 16);
        } else if (isFinite(f1) && isFinite(f2)) {
          opts.guess = Math.exp(0.5 * (f1 + f2));
        } else {
          opts.guess = last;
        }
      }
      var th = classical(st, m, x.p2, x.lam, opts);
      last = th.kappa;
      rows.push({n: m, total: isFinite(th.total) ? th.total : 1e300, clean: isFinite(th.clean) ? th.clean : 1e300,
                 floor: floor});
    }
    return rows;
  }

  // ---------------------------------------------------------------- the page
  var DEBOUNCE_MS = 60;   // inputs typed faster than this are computed once

  function fieldHelp(key, ranges) {
    var r = ranges[key], span = power(r[0]) + " to " + power(r[1]);
    return {
      n: "real and synthetic together; " + span,
      p2: "n₂ = p₂n synthetic samples, n₁ = (1 − p₂)n real ones; 0 to 1",
      c2: "0 = perfect; " + span + " (units of r²); see “Estimating c²” below",
      sigma2: "variance of the label noise, real and synthetic alike; " + span + " (units of r²)",
      lam: "0 = ridgeless (minimum-norm least squares); " + span,
      alpha: "larger = faster decay; " + span,
      d: "a whole number, " + span
    }[key];
  }

  var FIELDS = [
    {key: "n", label: "n, training samples in all", step: "any"},
    {key: "p2", label: "p₂, synthetic fraction", step: 0.01},
    {key: "c2", label: "c², how far synthetic labels are from real ones", step: "any"},
    {key: "sigma2", label: "σ², label noise", step: "any"},
    {key: "lam", label: "λ, ridge penalty", step: "any"},
    {key: "spectrum", label: "spectrum of the inputs", options: [["iso", "isotropic (Σ = I)"],
                                                               ["pow", "power law sⱼ ∝ j⁻ᵅ"]]},
    {key: "alpha", label: "α, power-law exponent", step: 0.05},
    {key: "d", label: "d, input dimension", step: 1}
  ];

  // key, row label (TeX between \( \)), formula (TeX), equation of the Theorem 1 chapter, colour of its chart mark
  var OUTPUTS = [
    ["total", "predicted test error \\(E\\)", "\\(E = B + V + \\zeta\\) (Theorem 1)", "eq-thm1", "total"],
    ["clean", "… of which the clean error \\(B + V\\)",
     "the error of \\(n\\) real samples: \\(\\begin{aligned}B &= \\frac{\\kappa^2\\operatorname{tr}\\Gamma\\Sigma" +
     "(\\Sigma+\\kappa)^{-2}}{1 - \\mathrm{df}_2/n},\\\\ V &= \\sigma^2 u\\end{aligned}\\) " +
     "(\\(\\kappa\\), \\(u\\) from \\(n\\) and \\(\\lambda\\))",
     "eq-thm1-bv", "clean"],
    ["zeta", "… and the synthetic-data term \\(\\zeta\\)",
     "\\(\\begin{aligned}\\zeta &= p_2^2(1 + p_1u)\\,T_3 + p_2u\\,M,\\\\" +
     "T_3 &= \\operatorname{tr}\\Delta\\Sigma^3(\\Sigma+\\kappa)^{-2},\\\\" +
     "M &= \\operatorname{tr}\\Delta\\Sigma(p_1\\Sigma+\\kappa)^2(\\Sigma+\\kappa)^{-2}\\end{aligned}\\)",
     "eq-thm1-zeta", ""],
    ["floor", "floor as \\(n \\to \\infty\\)",
     "\\(p_2^2\\operatorname{tr}\\Delta\\Sigma^3(\\Sigma+\\lambda)^{-2}\\), which is \\(p_2^2c^2\\) at \\(\\lambda = 0\\)",
     "eq-floor", "floor"],
    ["floor_ridgeless", "… its ridgeless value \\(p_2^2c^2\\)", "\\(p_2^2c^2\\) (Corollary 1)", "eq-floor", ""],
    ["n_floor", "\\(n\\) at which the floor dominates",
     "the \\(n\\) beyond which the clean error \\(B + V\\) stays below the floor (its last crossing)",
     "eq-crossover", "floor-rule"],
    ["n_equivalent", "real samples giving the same error",
     "the \\(m\\) at which the clean error \\(B + V\\) of \\(m\\) real samples equals your \\(E\\) (last crossing)",
     "eq-thm1-bv", "equivalent"],
    ["worth", "what your synthetic samples are worth",
     "\\(m - n_1\\): the real samples your \\(n_2\\) synthetic ones stand in for (negative: they hurt)", "eq-thm1", ""]
  ];

  function fmtError(v) {
    if (!isFinite(v)) { return v > 0 ? "∞" : "—"; }
    if (v === 0) { return "0"; }
    return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(4) : v.toExponential(3);
  }

  function fmtSize(v, signed) {
    if (!isFinite(v)) { return v > 0 ? "beyond 10¹⁵ (never)" : "—"; }
    if (v === 0) { return "below 1"; }
    var a = Math.abs(v);
    var txt = a < 1e7 ? Math.round(a).toLocaleString("en-US") : a.toExponential(3);
    return (v < 0 ? "−" : signed && Math.round(a) > 0 ? "+" : "") + txt;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // text with \( … \) parts: those parts as the inline math Sphinx writes (MathJax typesets them)
  function withMath(parent, text) {
    text.split(/(\\\(.*?\\\))/).forEach(function (part) {
      if (!part) { return; }
      if (part.indexOf("\\(") === 0) {
        parent.appendChild(el("span", {"class": "math notranslate nohighlight"}, part));
      } else {
        parent.appendChild(document.createTextNode(part));
      }
    });
    return parent;
  }

  function typeset(node) {
    var mj = window.MathJax;
    // MathJax not started yet: its first pass over the page typesets these nodes too
    if (mj && mj.startup && mj.startup.promise && mj.typesetPromise) {
      mj.startup.promise.then(function () { return mj.typesetPromise([node]); }).catch(function (err) {
        console.warn("calculator: MathJax could not typeset the formulas", err);
      });
    }
  }

  function mount(box, spec, name, embed, config) {
    var defaults = config.defaults, ranges = config.ranges || RANGES, id = box.id || "calculator";
    var form = el("form", {"class": "collapse-calculator-form", "novalidate": ""}), inputs = {}, errors = {};
    box.textContent = "";
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    FIELDS.forEach(function (f) {
      var row = el("div", {"class": "collapse-calc-field"}), input, fid = id + "-" + f.key;
      row.appendChild(el("label", {"class": "collapse-calc-label", "for": fid}, f.label));
      if (f.options) {
        input = el("select", {name: f.key, id: fid});
        f.options.forEach(function (o) { input.appendChild(el("option", {value: o[0]}, o[1])); });
        input.value = defaults.alpha > 0 ? "pow" : "iso";
      } else {
        var r = ranges[f.key];
        input = el("input", {type: "number", name: f.key, id: fid, min: r[0], max: r[1], step: f.step,
                             "aria-describedby": fid + "-help " + fid + "-error"});
        input.value = String(f.key === "alpha" && defaults.alpha === 0 ? 1 : defaults[f.key]);
      }
      row.appendChild(input);
      if (!f.options) {
        errors[f.key] = el("small", {"class": "collapse-calc-error", id: fid + "-error"});
        row.appendChild(errors[f.key]);
        row.appendChild(el("small", {"class": "collapse-calc-help", id: fid + "-help"}, fieldHelp(f.key, ranges)));
      }
      inputs[f.key] = input;
      form.appendChild(row);
    });
    var message = el("p", {"class": "collapse-calc-message", role: "status", "aria-live": "polite"});
    var results = el("div", {"class": "collapse-calc-output"});
    var table = el("table", {"class": "collapse-calc-results"}), cells = {};
    OUTPUTS.forEach(function (o) {
      var tr = el("tr", {"data-key": o[0]}), th = el("th", {scope: "row"}), td = el("td", {"data-key": o[0]});
      if (o[4]) { th.appendChild(el("span", {"class": "collapse-calc-swatch", "data-mark": o[4], "aria-hidden": "true"})); }
      withMath(th, o[1]);
      var how = el("td", {"class": "collapse-calc-formula"}), details = el("details"), body = el("div");
      details.appendChild(el("summary", {}, "formula"));
      withMath(body, o[2] + " ");
      body.appendChild(el("a", {href: "theorem1.html#equation-" + o[3]}, "(in the Theorem 1 chapter)"));
      details.appendChild(body);
      how.appendChild(details);
      tr.appendChild(th); tr.appendChild(td); tr.appendChild(how);
      table.appendChild(tr);
      cells[o[0]] = td;
    });
    var chartBox = el("div", {"class": "collapse-explorable collapse-calc-chart"});
    results.appendChild(table); results.appendChild(chartBox);
    box.appendChild(form); box.appendChild(message); box.appendChild(results);
    typeset(table);

    function showAlpha() { inputs.alpha.closest(".collapse-calc-field").hidden = inputs.spectrum.value === "iso"; }
    showAlpha();

    // every field checked; a refused one marked (aria-invalid, its reason beside it)
    function read() {
      var x = {}, bad = 0;
      ["n", "p2", "c2", "sigma2", "lam", "d", "alpha"].forEach(function (k) {
        var input = inputs[k], raw = input.value.trim();
        x[k] = raw === "" || (input.validity && input.validity.badInput) ? NaN : Number(raw);
        var why = k === "alpha" && inputs.spectrum.value === "iso" ? "" : check(k, x[k], ranges);
        errors[k].textContent = why;
        if (why) { input.setAttribute("aria-invalid", "true"); bad++; } else { input.removeAttribute("aria-invalid"); }
      });
      if (inputs.spectrum.value === "iso") { x.alpha = 0; }
      return {x: x, bad: bad};
    }

    var view = null, last = null, pending = null;
    function stale(on) {
      box.setAttribute("data-valid", on ? "0" : "1");
      results.setAttribute("aria-hidden", on ? "true" : "false");
      if ("inert" in results) { results.inert = on; }
    }
    function compute(x) {
      pending = null;
      var t0 = performance.now(), est = estimate(x);
      OUTPUTS.forEach(function (o) {
        var v = est[o[0]], isSize = o[0].indexOf("n_") === 0 || o[0] === "worth";
        cells[o[0]].textContent = isSize ? fmtSize(v, o[0] === "worth") : fmtError(v);
        cells[o[0]].setAttribute("data-value", String(v));
      });
      if (est.worth < 0) {
        cells.worth.appendChild(el("small", {}, "they hurt: the n₁ real samples alone would do better"));
      }
      last = {inputs: x, estimate: est};
      var done = function () {
        box.setAttribute("data-ms", String(Math.round(performance.now() - t0)));
        box.removeAttribute("data-pending");
        box.setAttribute("data-drawn", String(Date.now()));
      };
      if (view) {
        view.data("curve", curve(x, est));
        view.data("marks", [[x.n, 0], [est.n_floor, 1], [est.n_equivalent, 2]].filter(function (p) {
          return isFinite(p[0]) && p[0] > 0;
        }).map(function (p) { return {n: p[0], kind: p[1]}; }));
        view.runAsync().then(done);
      } else { done(); }
    }
    function update(now) {
      showAlpha();
      var r = read();
      clearTimeout(pending);
      if (r.bad) {
        pending = null;
        box.removeAttribute("data-pending");
        message.textContent = (r.bad === 1 ? "One field is" : r.bad + " fields are") +
          " not accepted (see beside " + (r.bad === 1 ? "it" : "them") + "): the numbers and the chart below are " +
          "greyed out until " + (r.bad === 1 ? "it is" : "they are") + " corrected.";
        stale(true);
        return;
      }
      message.textContent = "";
      stale(false);
      box.setAttribute("data-pending", "1");
      if (now) { compute(r.x); } else { pending = setTimeout(function () { compute(r.x); }, DEBOUNCE_MS); }
    }
    Object.keys(inputs).forEach(function (k) {
      inputs[k].addEventListener("input", function () { update(false); });
      inputs[k].addEventListener("change", function () { update(false); });
    });
    box.collapseCalculator = {last: function () { return last; }};
    return embed(chartBox, spec, name).then(function (v) {
      view = v;
      update(true);
      box.setAttribute("data-ready", "1");
      return v;
    });
  }

  window.collapseCalculator = {setting: setting, classical: classical, estimate: estimate, curve: curve,
                               curveSizes: curveSizes, lastCrossing: lastCrossing, check: check, RANGES: RANGES,
                               mount: mount};
})();
