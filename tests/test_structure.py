"""The package's structure: what an import loads, and which way the dependencies run.

* ``import collapse_lib``, the theory and the calculator's :func:`estimate` run without torch: the
  torch-using subpackages are loaded on first use (module ``__getattr__``, Scientific Python SPEC 1).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import collapse_lib as cl


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)


# ----------------------------------------------------------------------------- what an import loads
def test_theory_and_the_calculator_run_without_torch():
    r = _run(
        """
        import sys
        import collapse_lib as cl, collapse_lib.theory
        from collapse_lib.explorables.calculator import estimate
        s = cl.Setting.isotropic(50, r2=1.0, c2=0.5, sigma2=0.25)
        assert cl.theory.classical(s, n=100, p2=0.1, lam=1e-3).total > 0
        assert estimate(n=1000, p2=0.1, c2=0.1).total > 0
        loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
        assert not loaded, loaded
        """
    )
    assert r.returncode == 0, r.stderr


def test_the_lazy_subpackages_load_on_first_use():
    r = _run(
        """
        import sys
        import collapse_lib as cl
        lazy = ("data", "figures", "lm", "nn", "simulate")
        assert not [m for m in lazy if f"collapse_lib.{m}" in sys.modules]
        assert set(lazy) <= set(dir(cl))
        assert cl.simulate.classical is sys.modules["collapse_lib.simulate"].classical
        assert "torch" in sys.modules
        try:
            cl.no_such_part
        except AttributeError as exc:
            assert "no_such_part" in str(exc)
        else:
            raise AssertionError("no AttributeError")
        """
    )
    assert r.returncode == 0, r.stderr


def test_every_name_in_all_resolves():
    for name in cl.__all__:
        assert getattr(cl, name) is not None, name
