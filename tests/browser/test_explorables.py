"""Explorables and the calculator on the built site: every control answers, and what is drawn is the library's.

For each explorable: load its page (no request may fail, no console error or
Vega warning), check what is drawn at the opening values against
``collapse_lib``'s theory, then move each control in turn as a reader would and
check that the picture changes and that the drawn values match the library at the
new setting. The library values are computed here through the public theory
functions (``cl.theory.classical``, ``random_projections``, the mixing theory,
``cl.theory.workflow``, ``cl.sample``), not through the explorable modules that built the page's data.

The calculator's JavaScript port of Theorem 1 is compared with
``cl.theory.classical`` at hundreds of random points (hard regimes included) and
its sizes with ``calculator.estimate``, to 10⁻⁶.
"""

from __future__ import annotations

import functools
import time

import numpy as np
import pytest

import collapse_lib as cl
from collapse_lib.explorables import calculator
from collapse_lib.figures._rp import pareto_front
from collapse_lib.theory.workflow import KINDS

from .explorables import drawn, move, signal, svg, vega_warnings, wait_ready
from .harness import DESKTOP, NARROW, open_page

RTOL = 2e-6  # the pages store 7 significant digits


# Failures of the site's other assets (MathJax, require.js, the widget manager from CDNs, the theme's and
# sphinx-thebe's own scripts) are the business of test_pages.py; here only what the explorables need and do counts.
_OTHERS = (
    "Failed to load resource",
    "mathjax",
    "require",
    "jupyter-widgets",
    "favicon",
    "THEBE_JS_URL",
    "invalid theme mode",
)


#: What the explorables' pages load without, but for the calculator (whose labels are formulas): MathJax typesets
#: hundreds of formulas on each load of a chapter, most of the time a load takes, and draws nothing an explorable
#: uses. The typeset pages are the business of test_layout.py and test_pages.py.
WITHOUT = ["*/_static/mathjax/*"]


@pytest.fixture(scope="module", autouse=True)
def _blocking(browser):
    browser.execute_cdp_cmd("Network.enable", {})
    yield
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})


def _open(browser, server, page, name, size=None):
    browser.set_script_timeout(120)
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": [] if name == "calculator" else WITHOUT})
    report = open_page(browser, server, page, **({"size": size} if size else {}))
    wait_ready(browser, name)
    ours = [(path, code) for path, code in server.requests if "collapse-explorables" in path]
    assert {p.rsplit("/", 1)[1].split("?")[0] for p, c in ours if c == 200} >= {  # Sphinx may add ?v=<checksum>
        "collapse-explorables.js",
        "collapse-explorables.css",
    }, ours
    assert not [f for f in report.failed_requests if "collapse" in f[0]], report.failed_requests
    errors = [e for e in report.console_errors if not any(o.lower() in e.lower() for o in _OTHERS)]
    assert not errors, errors
    vega = [w for w in report.console_warnings if "WARN" in w or "vega" in w.lower()]
    assert not vega, vega
    return report


def _check(got, ref, what, rtol=RTOL, scale=None):
    """got ≈ ref to ``rtol``, relative to ``scale`` where given (a part of a total: relative to the total)."""
    got, ref = np.asarray(got, float), np.asarray(ref, float)
    assert got.shape == ref.shape and got.size > 0, (what, got.shape, ref.shape)
    if scale is None:
        np.testing.assert_allclose(got, ref, rtol=rtol, atol=0, err_msg=what)
    else:
        bad = np.abs(got - ref) > rtol * np.abs(np.broadcast_to(scale, ref.shape))
        assert not bad.any(), (what, got[bad], ref[bad])


def _each_control(browser, name, moves, check):
    check()
    before = svg(browser, name)
    for param, value in moves:
        move(browser, name, param, value)
        after = svg(browser, name)
        assert after != before, f"moving {param} to {value!r} changed nothing on {name}"
        check()
        before = after


def _settled(browser, box: str, timeout: float = 60) -> None:
    """Wait until the calculator has computed what was typed (it waits for a pause in the typing)."""
    t0 = time.time()
    while browser.execute_script(f"return {box}.hasAttribute('data-pending');"):
        assert time.time() - t0 < timeout, "the calculator did not compute the inputs"
        time.sleep(0.05)


def _enter(browser, box: str, field: str, value: str) -> None:
    """Type ``value`` into the calculator's field as a reader would (an input event), and wait for the result."""
    browser.execute_script(
        f"const el = {box}.querySelector('[name=\"' + arguments[0] + '\"]'); el.value = arguments[1];"
        "el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));",
        field,
        value,
    )
    _settled(browser, box)
    t0 = time.time()  # the greying fades in and out (a CSS transition): wait until it has run
    while browser.execute_script(f"return {box}.querySelector('.collapse-calc-output').getAnimations().length > 0;"):
        assert time.time() - t0 < 10, "the calculator's output is still fading after 10 s"
        time.sleep(0.02)


def _calc_state(browser, box: str) -> dict:
    return browser.execute_script(
        f"const box = {box}, out = {{}}, o = box.querySelector('.collapse-calc-output');"
        "out.valid = box.getAttribute('data-valid');"
        "out.invalid = Array.from(box.querySelectorAll('[aria-invalid=\"true\"]')).map(e => e.name);"
        "out.errors = {}; out.described = {};"
        "box.querySelectorAll('input').forEach(e => { const m = document.getElementById(e.id + '-error');"
        "  out.errors[e.name] = m.textContent;"
        "  out.described[e.name] = (e.getAttribute('aria-describedby') || '').split(' ').includes(m.id)"
        "    && m.getBoundingClientRect().width >= 0; });"
        "out.opacity = Number(getComputedStyle(o).opacity); out.hidden = o.getAttribute('aria-hidden');"
        "out.message = box.querySelector('.collapse-calc-message').textContent; return out;"
    )


#: Every page with an explorable, and the explorable's name.
PAGES = [
    ("book/theorem1.html", "theorem1"),
    ("book/random_projections.html", "projections"),
    ("book/mixing_strategies.html", "mixing"),
    ("book/data_distributions.html", "distributions"),
    ("book/workflows.html", "workflows"),
    ("book/calculator.html", "calculator"),
]


# ----------------------------------------------------------------------------- Theorem 1
def test_theorem1_explorable(browser, server):
    name = "theorem1"
    _open(browser, server, "book/theorem1.html", name)

    def check():
        p2, c2, llam, alpha = (signal(browser, name, k) for k in ("p2", "c2", "llam", "alpha"))
        rows = drawn(browser, name, "curves")
        st = cl.Setting.power_law(100, alpha, r2=1.0, c2=c2, sigma2=0.25)
        for curve in ("total", "clean", "floor"):
            pts = [r for r in rows if r["curve"] == curve]
            if curve == "floor" and (p2 == 0 or c2 == 0):
                assert not pts
                continue
            n = np.array([r["n"] for r in pts])
            th = cl.theory.classical(st, n, p2, 10.0**llam)
            _check([r["value"] for r in pts], np.broadcast_to(getattr(th, curve), n.shape), f"{curve} at p2={p2}")

    _each_control(browser, name, [("lp2", -1.0), ("c2", 1.3), ("llam", -2.5), ("alpha", 1.5), ("clean", True)], check)


# ----------------------------------------------------------------------------- Theorem 2
def test_projections_explorable(browser, server):
    name = "projections"
    _open(browser, server, "book/random_projections.html", name)

    fig1 = cl.figures.get("fig1").config("smoke")
    opening = {k: signal(browser, name, k) for k in ("phi", "llam", "sigma2")}
    assert opening == {"phi": fig1["phi"], "llam": np.log10(fig1["lam"]), "sigma2": fig1["sigma2"]}  # Figure 1

    def check():
        p2, c2, llam, phi, s2 = (signal(browser, name, k) for k in ("p2", "c2", "llam", "phi", "sigma2"))
        d = max(1, int(round(phi * 500)))
        st = cl.Setting.isotropic(d, r2=1.0, c2=c2, sigma2=s2)
        rows = drawn(browser, name, "psi_curves")
        for curve in ("total", "clean", "approx", "zeta_floor"):
            pts = [r for r in rows if r["curve"] == curve]
            psi = np.array([r["psi"] for r in pts])
            th = cl.theory.random_projections(st, 500, psi * 500, p2, 10.0**llam)
            _check([r["value"] for r in pts], getattr(th, curve), f"{curve} at p2={p2}, d={d}")
        # the Pareto frontier drawn is the library's (figures._rp.pareto_front) on the same widths
        points = drawn(browser, name, "pareto_points")
        psi = np.array([r["psi"] for r in points])
        th = cl.theory.random_projections(st, 500, psi * 500, p2, 10.0**llam)
        front = {round(float(p), 8) for p in psi[pareto_front(th.clean, th.total)]}
        assert {round(r["psi"], 8) for r in drawn(browser, name, "pareto_front")} == front

    _each_control(browser, name, [("p2", 0.8), ("c2", 1.5), ("sigma2", 0.25), ("llam", -4.0), ("phi", 5)], check)


# ----------------------------------------------------------------------------- mixing
def test_mixing_explorable(browser, server):
    name = "mixing"
    _open(browser, server, "book/mixing_strategies.html", name)
    assert (signal(browser, name, "n1"), signal(browser, name, "n2")) == (200, 1000)  # the text's opening values

    def check():
        n1, n2, c2, rounds, fresh = (signal(browser, name, k) for k in ("n1", "n2", "c2", "rounds", "fresh"))
        st = cl.Setting.isotropic(50, r2=1.0, c2=c2, sigma2=0.25)
        w = drawn(browser, name, "weighted_curve")
        a = np.array([r["a"] for r in w])
        _check([r["value"] for r in w], cl.theory.weighted_mixing(st, n1, n2, a, 1e-4).total, "weighted")
        opt = cl.theory.optimal_alpha(st, n1, n2, 1e-4)
        (best,) = drawn(browser, name, "best")
        _check([best["a"], best["value"]], [opt.alpha, opt.error], "best alpha")
        (pool,) = drawn(browser, name, "pooling")
        _check([pool["value"]], [cl.theory.classical(st, n1 + n2, n2 / (n1 + n2), 1e-4).total], "pooling", rtol=1e-5)
        it = cl.theory.iterative_mixing(st, n1, n2, int(rounds), 1e-4, relabel_noise=bool(fresh))
        rows = drawn(browser, name, "iterative_curves")
        for part in ("total", "synthetic_bias", "synthetic_noise"):
            pts = sorted((r for r in rows if r["part"] == part), key=lambda r: r["t"])
            ref = getattr(it, part)
            # the page leaves off its log axis the parts that are 0 (no relabelling noise) and those below the
            # precision of the round-t theory (FFT round-off: 1e-12 of the part's largest value)
            keep = ref >= 1e-12 * np.abs(ref).max()
            assert [r["t"] for r in pts] == list(np.arange(int(rounds) + 1)[keep])
            # the round-t theory extracts coefficients by FFT: its parts carry ~1e-15 absolute noise
            _check([r["value"] for r in pts], ref[keep], f"iterative {part}", scale=it.total[keep])

    _each_control(
        browser,
        name,
        [("n1", 1000), ("n2", 100000), ("c2", 1.2), ("rounds", 8), ("fresh", False), ("n1", 100000), ("n2", 50)],
        check,
    )
    # at n₁ = 100,000, n₂ = 50 the synthetic bias falls under the round-off after round 2: the axis stops above it
    low = min(r["value"] for r in drawn(browser, name, "iterative_curves"))
    assert 1e-20 < low < 1e-16, low  # round 2's synthetic bias (2e-18) is the last one drawn


# ----------------------------------------------------------------------------- workflows
def test_workflows_explorable(browser, server):
    name = "workflows"
    _open(browser, server, "book/workflows.html", name)
    # the opening values are panel (a)'s setting at the book scale (the chapter says so)
    assert [signal(browser, name, k) for k in ("s2", "llam", "n", "p2", "gens")] == [0.25, -3, 200, 0.75, 20]

    def check():
        s2, llam, n, p2, gens = (signal(browser, name, k) for k in ("s2", "llam", "n", "p2", "gens"))
        st, lam = cl.Setting.isotropic(50, r2=1.0, sigma2=s2), 10.0**llam
        rows_t, rows_n = drawn(browser, name, "curves_t"), drawn(browser, name, "curves_n")
        for k, kind in enumerate(KINDS):
            p = p2 if kind == "mix" else None
            # (a) E_t against t at n, for t = 0 … T
            pts = sorted((r for r in rows_t if r["k"] == k), key=lambda r: r["t"])
            assert [r["t"] for r in pts] == list(range(int(gens) + 1)), kind
            th = cl.theory.workflow(st, n, int(gens), kind, lam, p2=p)
            _check([r["total"] for r in pts], th.total, f"{kind}: E_t at n={n}, λ={lam:g}, σ²={s2}")
            # (b) E_T against n: every n of the grid, from below d to 10⁵
            pts = sorted((r for r in rows_n if r["k"] == k and r["t"] == gens), key=lambda r: r["n"])
            ns = np.array([r["n"] for r in pts], float)
            assert ns.size == 25 and ns[0] == 10 and ns[-1] == 100_000 and 50 in ns, ns
            th = cl.theory.workflow(st, ns, int(gens), kind, lam, p2=p)
            _check([r["total"] for r in pts], th.total[:, -1], f"{kind}: E_T against n, T={gens}")
        # generation 0 in both panels is Theorem 1 at p₂ = 0 (an independent route)
        clean = sorted((r for r in rows_n if r["t"] == 0), key=lambda r: r["n"])
        ns = np.array([r["n"] for r in clean], float)
        _check([r["total"] for r in clean], cl.theory.classical(st, ns, 0.0, lam).total, "clean law")
        (rule,) = drawn(browser, name, "clean_t")
        _check([rule["total"]], [cl.theory.classical(st, n, 0.0, lam).total], "clean level of (a)")

    _each_control(
        browser,
        name,
        [
            ("s2", 0.6),
            ("llam", -1.0),
            ("n", 50),
            ("p2", 0.95),
            ("gens", 7),
            ("n", 15),
            ("llam", -4.0),
            ("p2", 0.0),
            ("s2", 0.0),
        ],
        check,
    )


# ----------------------------------------------------------------------------- data model
def test_distributions_explorable(browser, server):
    name = "distributions"
    _open(browser, server, "book/data_distributions.html", name)

    def check():
        c2, alpha, p2 = (signal(browser, name, k) for k in ("c2", "alpha", "p2"))
        st = cl.Setting.power_law(100, alpha, r2=1.0, c2=c2, sigma2=0.25)
        smp = cl.sample(st, 300, p2, seed=7)
        rows = sorted(drawn(browser, name, "label_points"), key=lambda r: r["i"])
        assert [r["i"] for r in rows] == list(range(300))
        # each label is the sum of three parts stored to 7 digits
        _check([r["y"] for r in rows], smp.y, "labels", rtol=1e-6, scale=np.abs(smp.y).max())
        assert [r["source"] == "synthetic" for r in rows] == list(smp.synthetic)
        resid = smp.y - smp.X @ smp.w1
        for src, mask in (("real", ~smp.synthetic), ("synthetic", smp.synthetic)):
            stats = drawn(browser, name, f"stats_{src}")
            if mask.sum() == 0:
                assert not stats
                continue
            (s,) = stats
            assert s["count"] == mask.sum()
            _check([s["var"]], [np.var(resid[mask])], f"{src} variance", rtol=1e-5)

    _each_control(browser, name, [("lc2", 0.5), ("alpha", 2.5), ("p2", 0.55)], check)


# ----------------------------------------------------------------------------- the calculator: the port
def _hard_points(rng, count):
    """Random calculator points, a third of them in hard regimes."""
    pts = []
    for k in range(count):
        d = int(rng.choice([1, 2, 10, 100, 1000, 5000])) if k % 3 else int(rng.integers(1, 400))
        alpha = float(rng.choice([0.0, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0])) if k % 2 else float(rng.uniform(0, 3))
        lam = float(rng.choice([0.0, 1e-12, 1e-8, 1e-4, 1.0, 1e3])) if k % 3 == 0 else float(10 ** rng.uniform(-6, 1))
        n = (
            float(rng.choice([d, d - 1, d + 1, d * (1 + 1e-6), d * (1 - 1e-6)]))
            if k % 4 == 0
            else float(10 ** rng.uniform(0, 8))
        )
        n = max(n, 0.5)
        p2 = float(rng.choice([0.0, 1.0, 1e-6])) if k % 5 == 0 else float(rng.uniform())
        pts.append(
            dict(
                d=d,
                alpha=alpha,
                r2=float(rng.uniform(0.1, 2)),
                c2=float(rng.uniform(0, 2)),
                sigma2=float(rng.choice([0.0, rng.uniform(0, 1)])),
                n=n,
                p2=p2,
                lam=lam,
            )
        )
    return pts


def _same(got, ref, what):
    got, ref = np.asarray(got, float), np.asarray(ref, float)
    inf = np.isinf(ref)
    assert np.array_equal(np.isinf(got), inf), what
    np.testing.assert_array_equal(got[inf], ref[inf], err_msg=what)
    np.testing.assert_allclose(got[~inf], ref[~inf], rtol=1e-6, atol=1e-300, err_msg=what)


def test_calculator_port_of_theorem1(browser, server):
    _open(browser, server, "book/calculator.html", "calculator")
    pts = _hard_points(np.random.default_rng(14), 600)
    js = browser.execute_script(
        "const C = window.collapseCalculator;"
        "return arguments[0].map(p => { const r = C.classical(C.setting(p.d, p.alpha, p.r2, p.c2, p.sigma2), p.n, p.p2, p.lam);"
        "  return [r.total, r.bias, r.variance, r.zeta, r.clean, r.floor, r.kappa, r.u].map(v => isFinite(v) ? v : 'inf'); });",
        pts,
    )
    keys = ("total", "bias", "variance", "zeta", "clean", "floor", "kappa", "u")
    got = {k: np.array([np.inf if v[i] == "inf" else v[i] for v in js], float) for i, k in enumerate(keys)}
    ref = {k: [] for k in keys}
    for p in pts:
        th = cl.theory.classical(
            cl.Setting.power_law(p["d"], p["alpha"], r2=p["r2"], c2=p["c2"], sigma2=p["sigma2"]),
            p["n"],
            p["p2"],
            p["lam"],
        )
        for k in keys:
            ref[k].append(getattr(th, k))
    for k in keys:
        _same(got[k], ref[k], k)


def test_calculator_port_of_estimate(browser, server):
    """The page's ``estimate`` (the bundled ``calculator.js``) agrees with the library at 10 random inputs; its
    agreement over the whole accepted ranges, edges included, is ``tests/explorables/test_calculator_js.py``'s (the
    same file, run in Node.js)."""
    _open(browser, server, "book/calculator.html", "calculator")
    rng = np.random.default_rng(17)
    pts = [
        dict(
            n=float(10 ** rng.uniform(1, 7)),
            p2=float(rng.choice([0.0, rng.uniform()])),
            c2=float(10 ** rng.uniform(-4, 0.3)),
            sigma2=float(rng.uniform(0, 1)),
            lam=float(rng.choice([0.0, 10 ** rng.uniform(-6, 0)])),
            d=int(rng.integers(1, 2000)),
            alpha=float(rng.choice([0.0, rng.uniform(0, 3)])),
        )
        for _ in range(10)
    ]
    js = browser.execute_script(
        "return arguments[0].map(p => { const e = window.collapseCalculator.estimate(p); const o = {};"
        "  for (const k in e) o[k] = isFinite(e[k]) ? e[k] : 'inf'; return o; });",
        pts,
    )
    for p, got in zip(pts, js):
        ref = calculator.estimate(**p).as_dict()
        for k in ("total", "clean", "zeta", "floor", "floor_ridgeless", "n_real", "n_floor", "n_equivalent"):
            g = np.inf if got[k] == "inf" else got[k]
            _same([g], [ref[k]], f"{k} at {p}")
        if np.isfinite(ref["worth"]):
            assert got["worth"] == pytest.approx(ref["worth"], abs=1e-6 * p["n"])


# ----------------------------------------------------------------------------- the calculator: the page
def test_calculator_page(browser, server, site_dir):
    name = "calculator"
    _open(browser, server, "book/calculator.html", name)
    box = "document.getElementById('explorable-calculator')"
    wait_drawn = (
        "const done = arguments[arguments.length - 1];"
        "window.collapseExplorables.views.calculator.runAsync().then(() => done(true));"
    )

    def shown():
        _settled(browser, box)
        browser.execute_async_script(wait_drawn)
        cells = browser.execute_script(
            f"return Array.from({box}.querySelectorAll('td[data-key]')).map(td => [td.dataset.key, td.dataset.value,"
            " td.textContent]);"
        )
        values = {k: float("inf") if v in ("Infinity", "inf") else float(v) for k, v, _ in cells}
        return values, {k: t for k, _, t in cells}

    def inputs():
        return browser.execute_script(
            f"const f = {box}.querySelector('form'); const o = {{}};"
            "for (const el of f.elements) o[el.name] = el.value; return o;"
        )

    def check():
        x = inputs()
        kw = dict(
            n=float(x["n"]),
            p2=float(x["p2"]),
            c2=float(x["c2"]),
            sigma2=float(x["sigma2"]),
            lam=float(x["lam"]),
            d=int(x["d"]),
            alpha=0.0 if x["spectrum"] == "iso" else float(x["alpha"]),
        )
        ref = calculator.estimate(**kw).as_dict()
        values, texts = shown()
        for k, v in values.items():
            if k == "worth":
                assert v == pytest.approx(ref[k], abs=1e-6 * kw["n"])
            else:
                _same([v], [ref[k]], k)
        assert (
            texts["n_equivalent"].replace(",", "")[:3] == f"{round(ref['n_equivalent']):d}"[:3]
            or "e" in texts["n_equivalent"]
        )
        curve = drawn(browser, name, "curve_lines")
        n = np.array([r["n"] for r in curve if r["curve"] == "total"])
        st = cl.Setting.power_law(kw["d"], kw["alpha"], r2=1.0, c2=kw["c2"], sigma2=kw["sigma2"])
        th = cl.theory.classical(st, n, kw["p2"], kw["lam"])
        _check([r["value"] for r in curve if r["curve"] == "total"], th.total, "calculator curve", rtol=1e-6)

    check()
    before = svg(browser, name)
    for field, value in [
        ("n", "123456"),
        ("p2", "0.05"),
        ("c2", "0.02"),
        ("sigma2", "0.5"),
        ("lam", "0"),
        ("spectrum", "pow"),
        ("alpha", "1.5"),
        ("d", "300"),
    ]:
        browser.execute_script(
            f"const el = {box}.querySelector('[name=\"' + arguments[0] + '\"]'); el.value = arguments[1];"
            "el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));",
            field,
            value,
        )
        check()
        after = svg(browser, name)
        assert after != before, f"changing {field} changed nothing in the calculator's chart"
        before = after
    # refused inputs (out of range, not a number): the field marked, its reason and range beside it, and every
    # number and the chart greyed out and hidden from screen readers until it is corrected
    refused = [
        ("n", "-5", "n must be from 1 to 10¹⁵"),
        ("n", "1e-300", "n must be from 1 to 10¹⁵"),
        ("lam", "1e308", "λ must be from 0 to 1,000"),
        ("c2", "1e308", "c² must be from 0 to 10⁶"),
        ("sigma2", "1e308", "σ² must be from 0 to 10⁶"),
        ("d", "2.5", "d must be a whole number from 1 to 10,000"),
        ("p2", "", "p₂: enter a number"),
    ]
    for field, value, reason in refused:
        kept = inputs()[field]
        _enter(browser, box, field, value)
        st = _calc_state(browser, box)
        assert st["valid"] == "0" and st["invalid"] == [field], (field, value, st)
        assert st["errors"][field] == reason and st["described"][field], (field, st)
        assert st["opacity"] < 0.5 and st["hidden"] == "true" and "not accepted" in st["message"], (field, st)
        _enter(browser, box, field, kept)
        st = _calc_state(browser, box)
        assert st["valid"] == "1" and not st["invalid"] and st["opacity"] == 1 and not st["message"], (field, st)
        check()
    # the formulas are typeset (MathJax), each number's chart mark has its own colour, shown beside the number
    maths = browser.execute_script(
        f"return Array.from({box}.querySelectorAll('.collapse-calc-results span.math'))"
        ".map(m => !!m.querySelector('mjx-container'));"
    )
    assert len(maths) >= 16 and all(maths), maths
    swatches = browser.execute_script(
        f"return Object.fromEntries(Array.from({box}.querySelectorAll('.collapse-calc-swatch')).map(e => "
        "[e.dataset.mark, getComputedStyle(e).borderTopColor]));"
    )
    assert len({swatches[k] for k in ("total", "clean", "floor", "equivalent")}) == 4, swatches
    picture = svg(browser, name)
    for colour in calculator.MARK_COLOURS.values():
        assert colour in picture, colour
    # every formula link points at an equation of the Theorem 1 chapter
    links = browser.execute_script(
        f"return Array.from({box}.querySelectorAll('.collapse-calc-formula a')).map(a => a.getAttribute('href'));"
    )
    page = (site_dir / "book" / "theorem1.html").read_text(encoding="utf-8")
    assert len(links) == 8 and all(f'id="{h.split("#")[1]}"' in page for h in links), links


# ----------------------------------------------------------------------------- layout
#: What an explorable looks like at 400 px (the narrow-screen tests share one page load per explorable).
NARROW_MEASURE = r"""
const name = arguments[0], box = document.getElementById('explorable-' + name), W = document.documentElement.clientWidth;
const b = box.getBoundingClientRect();
const out = {box: [b.left, b.right, W]};
out.overflow = Array.from(box.querySelectorAll('svg, .vega-bind, form')).map(e => e.getBoundingClientRect().right)
  .filter(r => r > W + 1).length;
// slider and field labels; hidden fields (α for an isotropic spectrum) aside
out.labels = Array.from(box.querySelectorAll('.vega-bind-name, .collapse-calc-label'))
  .filter(e => e.offsetParent !== null).map(e => {
    const r = e.getBoundingClientRect(), st = getComputedStyle(e);
    return [e.textContent, r.left >= -1 && r.right <= W + 1 && r.width > 0, st.textOverflow, st.overflow]; });
// titles under the actions button ("…" of vega-embed)
const summary = box.querySelector('.vega-embed summary');
out.actions = summary !== null;
if (summary) {
  const s = summary.getBoundingClientRect();
  out.overlaps = Array.from(box.querySelectorAll('.role-title text, .role-title-text text, .role-axis-title text'))
    .map(t => [t.textContent, t.getBoundingClientRect()])
    .filter(([x, r]) => r.width > 0 && r.left < s.right && r.right > s.left && r.top < s.bottom && r.bottom > s.top)
    .map(([x]) => x);
}
return out;
"""


@functools.cache
def _narrow(browser, server, page, name) -> dict:
    """:data:`NARROW_MEASURE` of ``page``'s explorable, drawn at 400 px (measured once per page)."""
    _open(browser, server, page, name, size=NARROW)
    return browser.execute_script(NARROW_MEASURE, name)


@pytest.mark.parametrize("page, name", PAGES)
def test_explorables_fit_a_narrow_screen(browser, server, page, name):
    m = _narrow(browser, server, page, name)
    assert m["overflow"] == 0 and m["box"][1] <= m["box"][2] + 1, m["box"]
    # slider and field labels are shown in full: inside the screen, on no clipping box (ipywidgets cut them to
    # "α (spectru…" with overflow hidden and an ellipsis)
    assert m["labels"], "no labelled controls found"
    bad = [lab for lab in m["labels"] if not lab[1] or lab[2] == "ellipsis" or lab[3] == "hidden"]
    assert not bad, bad


@pytest.mark.parametrize(
    "page, name, param, value",
    [
        ("book/workflows.html", "workflows", "llam", -1.0),
        ("book/mixing_strategies.html", "mixing", "c2", 1.2),
        ("book/data_distributions.html", "distributions", "p2", 0.55),
    ],
)
def test_stacked_panels_follow_a_resized_window(browser, server, page, name, param, value):
    # stacked panels have fixed widths: a resized window draws them again at the column's new width, with the
    # reader's control values kept, and without an error (turning a phone, narrowing a desktop window)
    _open(browser, server, page, name)
    move(browser, name, param, value)
    width = "return document.querySelector('#explorable-' + arguments[0] + ' svg').getBoundingClientRect().width;"
    wide = browser.execute_script(width, name)
    vega_warnings(browser)  # forget what came before
    try:
        browser.set_window_size(*NARROW)
        t0 = time.time()
        while time.time() - t0 < 20 and browser.execute_script(width, name) >= wide:
            time.sleep(0.1)
        wait_ready(browser, name)
        narrow = browser.execute_script(width, name)
        assert narrow < browser.execute_script("return document.documentElement.clientWidth;") <= wide, (narrow, wide)
        assert signal(browser, name, param) == value
        assert not vega_warnings(browser)
    finally:
        browser.set_window_size(*DESKTOP)


# ----------------------------------------------------------------------------- without JavaScript
def test_without_javascript_each_explorable_shows_its_picture(browser, server):
    # a second Chromium with JavaScript off: no "Loading …" left on screen, the figure at its opening values as a
    # picture served by the site
    from .conftest import chromium

    nojs = chromium(javascript=False)
    try:
        for page, name in PAGES:
            nojs.get(server.base + page)
            t0 = time.time()
            while time.time() - t0 < 20 and nojs.execute_script("return document.readyState") != "complete":
                time.sleep(0.1)
            found = nojs.execute_script(
                "const box = document.getElementById('explorable-' + arguments[0]);"
                "const img = box && box.querySelector('img');"
                "return box && [box.innerText, img ? img.naturalWidth : 0, img ? img.getAttribute('src') : '',"
                "  img ? img.getBoundingClientRect().width : 0];",
                name,
            )
            # (a page whose script does not run shows the <noscript> content; the probe itself runs through
            # the driver, which is allowed to execute scripts)
            text, natural, src, shown = found
            assert "Loading" not in text and "needs JavaScript" in text, (page, text)
            assert natural > 300 and 0 < shown <= 800 and src.startswith("../_images/explorable-"), (page, found)
    finally:
        nojs.quit()
    assert not [r for r in server.requests if "explorable-" in r[0] and r[1] != 200]


# ----------------------------------------------------------------------------- phone: the actions button
@pytest.mark.parametrize("page, name", PAGES)
def test_actions_button_covers_no_title_on_a_phone(browser, server, page, name):
    m = _narrow(browser, server, page, name)
    assert m["actions"], "no actions button"
    assert not m["overlaps"], m["overlaps"]


# ----------------------------------------------------------------------------- dark mode
def _contrast(a, b) -> float:
    def lum(rgb):
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@functools.cache
def _calculator_colours(browser, server) -> dict[str, dict]:
    """The calculator's text and background colours in each mode: ``{mode: colours}``, from one page load."""
    _open(browser, server, "book/calculator.html", "calculator")
    modes = {}
    for mode in ("light", "dark"):
        modes[mode] = browser.execute_script(
            "document.documentElement.dataset.theme = arguments[0]; document.documentElement.dataset.mode = arguments[0];"
            "const rgb = c => c.match(/[0-9.]+/g).slice(0, 3).map(Number);"
            "let bg = 'rgba(0, 0, 0, 0)', e = document.getElementById('explorable-calculator');"
            "while (e && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) { bg = getComputedStyle(e).backgroundColor; e = e.parentElement; }"
            "if (/rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) bg = getComputedStyle(document.body).backgroundColor;"
            "const box = document.getElementById('explorable-calculator');"
            "return {bg: rgb(bg), parts: ['.collapse-calc-help', '.collapse-calc-formula summary', '.collapse-calc-label',"
            "  'td[data-key]'].map(s => [s, rgb(getComputedStyle(box.querySelector(s)).color)])};",
            mode,
        )
    return modes


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_calculator_text_is_readable_in_both_modes(browser, server, mode):
    colours = _calculator_colours(browser, server)[mode]
    low = {s: round(_contrast(c, colours["bg"]), 1) for s, c in colours["parts"] if _contrast(c, colours["bg"]) < 4.5}
    assert not low, (mode, colours["bg"], low)  # WCAG AA for text
