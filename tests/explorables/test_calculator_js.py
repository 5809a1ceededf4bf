"""The calculator's JavaScript (``static/calculator.js``) against the library's ``estimate()``, without a browser.

The page computes Theorem 1 and the two sizes in JavaScript; here that file runs in
Node.js (Debian's ``nodejs``; ``.ci/run`` installs it) and its ``estimate`` is compared
with :func:`collapse_lib.explorables.calculator.estimate` at a few hundred random
inputs, edges of the accepted ranges included, to 10⁻⁹ relative; its refusals with the
library's (``RANGES``). What the page shows is checked in ``tests/browser``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import collapse_lib as cl
from collapse_lib.explorables import calculator

JS = Path(calculator.__file__).with_name("static") / "calculator.js"
NODE = shutil.which("node") or shutil.which("nodejs")
RTOL = 1e-9
KEYS = ("n", "p2", "c2", "sigma2", "lam", "d", "alpha")

# runs calculator.js in a fresh context with a bare `window`; reads {op, points} on stdin, writes JSON results
RUNNER = r"""
const vm = require("vm"), fs = require("fs");
const ctx = {window: {}};
vm.createContext(ctx);
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), ctx);
const C = ctx.window.collapseCalculator;
const num = v => (Number.isFinite(v) ? v : String(v));
const job = JSON.parse(fs.readFileSync(0, "utf8"));
let out;
if (job.op === "estimate") {
  out = job.points.map(p => { const e = C.estimate(p), o = {}; for (const k in e) o[k] = num(e[k]); return o; });
} else if (job.op === "check") {
  out = job.points.map(p => C.check(p[0], p[1] === null ? NaN : p[1]));
} else if (job.op === "throws") {
  out = job.points.map(p => { try { C.estimate(p); return ""; } catch (e) { return e.name + ": " + e.message; } });
} else if (job.op === "curve") {
  out = job.points.map(p => C.curve(p, C.estimate(p)).map(r => [r.n, r.total, r.clean, r.floor]));
} else if (job.op === "ranges") {
  out = C.RANGES;
}
process.stdout.write(JSON.stringify(out));
"""

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is needed: apt-get install nodejs")


def run_js(op: str, points) -> list:
    done = subprocess.run(
        [NODE, "-e", RUNNER, str(JS)],
        input=json.dumps({"op": op, "points": points}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _float(v) -> float:
    return {"Infinity": np.inf, "-Infinity": -np.inf, "NaN": np.nan}[v] if isinstance(v, str) else float(v)


def random_points(rng, count: int) -> list[dict]:
    """Random inputs over the accepted ranges (log-uniform where they span decades), a quarter of them at an edge."""
    ranges = calculator.RANGES
    pts = []
    for k in range(count):
        d = int(rng.choice([1, 2, 10, 50, 100, 1000])) if k % 3 else int(rng.integers(1, 400))
        if k % 37 == 0:
            d = ranges["d"][1]  # the largest spectrum, a few times (slow in Python)
        p = dict(
            n=float(10 ** rng.uniform(0, 15)) if k % 2 else float(rng.choice([d, d + 1, max(d - 1, 1), 2 * d])),
            p2=float(rng.choice([0.0, 1.0, rng.uniform()])) if k % 5 == 0 else float(rng.uniform()),
            c2=float(10 ** rng.uniform(-6, 6)) if k % 7 else float(rng.choice([0.0, 1e6])),
            sigma2=float(10 ** rng.uniform(-6, 6)) if k % 11 else float(rng.choice([0.0, 1e6])),
            lam=float(rng.choice([0.0, 1e-300, 1e-12, 1e3, 10 ** rng.uniform(-8, 3)])),
            d=d,
            alpha=float(rng.choice([0.0, 5.0, rng.uniform(0, 5)])),
        )
        for key in ("n", "lam"):
            p[key] = float(min(max(p[key], ranges[key][0]), ranges[key][1]))
        pts.append(p)
    return pts


def _same(got: float, ref: float, what: str, scale: float | None = None):
    if np.isinf(ref) or np.isinf(got):
        assert got == ref, what
        return
    assert abs(got - ref) <= RTOL * abs(ref if scale is None else scale) + 1e-300, (what, got, ref)


def _flat_root(p: dict, size: float, target: float) -> bool:
    """Whether the library's clean error at ``size`` equals ``target`` to 1e-12: where the clean error is that flat
    (λ = 10⁶: every m gives nearly the null predictor's error), a size is fixed only to rounding, and any size
    with that residual is as right as another."""
    st = cl.Setting.power_law(p["d"], p["alpha"], r2=1.0, c2=p["c2"], sigma2=p["sigma2"])
    return abs(cl.theory.classical(st, size, 0.0, p["lam"]).total - target) <= 1e-12 * target


def test_js_estimate_matches_the_library():
    pts = random_points(np.random.default_rng(2025), 80)
    js = run_js("estimate", pts)
    flat = 0
    for p, got in zip(pts, js):
        ref = calculator.estimate(**p).as_dict()
        got = {k: _float(v) for k, v in got.items()}
        for key, value in ref.items():
            target = dict(n_floor=ref["floor"], n_equivalent=ref["total"], worth=ref["total"]).get(key)
            scale = max(abs(ref["n_equivalent"]), ref["n_real"], 1.0) if key == "worth" else abs(value)
            size = got["n_equivalent"] if key == "worth" else got[key]
            if target is not None and np.isfinite(value) and abs(got[key] - value) > RTOL * scale:
                assert _flat_root(p, size, target), (key, p, got[key], value)
                flat += 1
                continue
            _same(got[key], value, f"{key} at {p}", scale=scale)
    # the flat cases are the exception (huge λ or n, where B + V has reached its own floor), not the rule
    assert flat <= len(pts) // 20, f"{flat} sizes differ from the library's beyond 1e-9"


def test_js_chart_matches_the_library():
    pts = random_points(np.random.default_rng(7), 24)
    for p, rows in zip(pts, run_js("curve", pts)):
        ref = calculator.curve(**p)
        got = np.array(rows, dtype=float).T
        np.testing.assert_allclose(got[0], ref["n"], rtol=1e-15, err_msg=str(p))
        for i, key in ((1, "total"), (2, "clean"), (3, "floor")):
            want = np.where(np.isfinite(ref[key]), ref[key], 1e300)  # the page draws inf at 1e300, off the chart
            np.testing.assert_allclose(got[i], want, rtol=RTOL, atol=0, err_msg=f"{key} at {p}")


def test_js_refuses_what_the_library_refuses():
    assert {k: list(v) for k, v in calculator.RANGES.items()} == run_js("ranges", [])
    base = dict(calculator.DEFAULTS)
    refused = [
        dict(lam=1e308),
        dict(n=1e-300),
        dict(n=0.5),
        dict(n=2e15),
        dict(c2=1e308),
        dict(sigma2=1e308),
        dict(c2=-1e-9),
        dict(p2=1.01),
        dict(d=10_001),
        dict(d=2.5),
        dict(alpha=5.5),
        dict(lam=float("nan")),
    ]
    nan_as_null = lambda d: {k: None if v != v else v for k, v in d.items()}  # noqa: E731 - JSON has no NaN
    messages = run_js("throws", [nan_as_null(dict(base, **r)) for r in refused])
    for r, msg in zip(refused, messages):
        (key,) = r
        assert msg.startswith("RangeError"), (r, msg)
        with pytest.raises((ValueError, TypeError), match=key):
            calculator.estimate(**dict(base, **r))
    # the page's messages name the symbol and state the range
    checks = run_js("check", [["lam", 1e308], ["n", 1e-300], ["c2", 1e308], ["sigma2", None], ["d", 2.5], ["p2", 0.5]])
    assert checks == [
        "λ must be from 0 to 1,000",
        "n must be from 1 to 10¹⁵",
        "c² must be from 0 to 10⁶",
        "σ²: enter a number",
        "d must be a whole number from 1 to 10,000",
        "",
    ]
    # the edges themselves are accepted by both
    edges = [dict(base, **{k: v}) for k, (lo, hi) in calculator.RANGES.items() for v in (lo, hi)]
    assert run_js("throws", edges) == [""] * len(edges)
    for p in edges:
        calculator.estimate(**p)
