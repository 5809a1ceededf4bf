"""The library's names and documents: the grouped spectrum, docstrings, uniform result types.

* :class:`collapse_lib.GroupedSpectrum` against an independent grouping (a plain dict).
* Every public function of ``collapse_lib.theory`` and ``collapse_lib.simulate`` has a numpydoc
  docstring with Parameters and Returns sections that name every argument of its signature.
* Every public theory and simulation entry point returns a frozen dataclass, except the few
  listed in ``NOT_A_DATACLASS`` with the reason.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import collapse_lib as cl


# ----------------------------------------------------------------------------- the grouped spectrum
def _grouped_by_hand(spectrum, gamma, delta):
    """{eigenvalue: [multiplicity, Σγ, Σδ]} by a loop over the directions."""
    groups: dict[float, list[float]] = {}
    for s, g, dl in zip(spectrum, gamma, delta):
        acc = groups.setdefault(float(s), [0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += g
        acc[2] += dl
    return groups


def test_grouped_spectrum_matches_a_grouping_by_hand():
    rng = np.random.default_rng(3)
    levels = np.array([0.3, 1.0, 2.5, 7.0])
    spectrum = rng.permutation(np.repeat(levels, [5, 1, 3, 2]))  # repeated eigenvalues in random order
    gamma, delta = rng.uniform(0, 1, spectrum.size), rng.uniform(0, 1, spectrum.size)
    st = cl.Setting(spectrum, gamma, delta)
    gs = st.grouped
    assert isinstance(gs, cl.GroupedSpectrum) and st.grouped is gs  # computed once
    ref = _grouped_by_hand(spectrum, gamma, delta)
    assert gs.size == len(ref) == 4
    np.testing.assert_array_equal(gs.eigenvalues, sorted(ref))
    for j, s in enumerate(gs.eigenvalues):
        m, g, dl = ref[float(s)]
        assert gs.multiplicity[j] == m
        assert gs.gamma_sum[j] == pytest.approx(g, rel=1e-14)
        assert gs.delta_sum[j] == pytest.approx(dl, rel=1e-14)
    # the traces the theory needs, from the groups
    assert gs.multiplicity.sum() == st.d
    assert gs.multiplicity @ gs.eigenvalues == pytest.approx(spectrum.sum(), rel=1e-14)
    assert gs.eigenvalues @ gs.gamma_sum == pytest.approx(st.r2, rel=1e-14)
    assert gs.eigenvalues @ gs.delta_sum == pytest.approx(st.c2, rel=1e-14)


def test_grouped_spectrum_is_immutable_and_isotropic_is_one_group():
    gs = cl.Setting.isotropic(7, r2=2.0, c2=0.5).grouped
    assert gs.size == 1 and gs.multiplicity[0] == 7
    assert gs.gamma_sum[0] == pytest.approx(2.0) and gs.delta_sum[0] == pytest.approx(0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        gs.eigenvalues = np.ones(1)
    for name in ("eigenvalues", "multiplicity", "gamma_sum", "delta_sum"):
        with pytest.raises(ValueError):
            getattr(gs, name)[0] = 0.0  # read-only arrays


# ----------------------------------------------------------------------------- docstrings
def _public_functions():
    """(qualified name, function) for every public function defined in a module of theory/ or simulate/."""
    out = []
    for pkg in (cl.theory, cl.simulate):
        for info in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
            for name, obj in vars(mod).items():
                if inspect.isfunction(obj) and obj.__module__ == mod.__name__ and not name.startswith("_"):
                    out.append((f"{mod.__name__}.{name}", obj))
    return out


PUBLIC = _public_functions()


def _section(doc: str, title: str) -> list[str] | None:
    """The lines of a numpydoc section (``title`` underlined by dashes), or None if absent."""
    lines = doc.splitlines()
    for i in range(len(lines) - 1):
        if lines[i].strip() == title and set(lines[i + 1].strip()) == {"-"}:
            body = []
            for j in range(i + 2, len(lines)):
                if j + 1 < len(lines) and lines[j].strip() and set(lines[j + 1].strip()) == {"-"}:
                    break  # the next section's title
                body.append(lines[j])
            return body
    return None


def _documented_names(body: list[str]) -> set[str]:
    """Parameter names of a Parameters section: the unindented ``a, b : type`` (or bare ``a, b``) lines."""
    names = set()
    for line in body:
        if line and not line[0].isspace():
            names.update(n.strip() for n in line.split(" : ")[0].split(","))
    return names


def test_the_function_table_is_not_empty():
    names = {q.rsplit(".", 1)[1] for q, _ in PUBLIC}
    assert {"classical", "random_projections", "iterative_mixing_limit", "workflow", "solve_kappa"} <= names


@pytest.mark.parametrize("qualname,fn", PUBLIC, ids=[q for q, _ in PUBLIC])
def test_public_function_has_numpydoc_parameters_and_returns(qualname, fn):
    doc = inspect.getdoc(fn) or ""
    params = _section(doc, "Parameters")
    returns = _section(doc, "Returns")
    assert params is not None, f"{qualname}: no 'Parameters' section"
    assert returns is not None and any(line.strip() for line in returns), f"{qualname}: no 'Returns' section"
    missing = set(inspect.signature(fn).parameters) - _documented_names(params)
    assert not missing, f"{qualname}: arguments not in its Parameters section: {sorted(missing)}"


# ----------------------------------------------------------------------------- result types
S = cl.Setting.power_law(4, 1.0, c2=0.3, sigma2=0.2, sigma2_synth=0.4)
TH, SIM = cl.theory, cl.simulate
RUN = dict(trials=2, seed=0)

# a cheap valid call of every public entry point that returns a result object
CALLS = {
    "theory.classical": lambda: TH.classical(S, 20, 0.1, 0.1),
    "theory.classical_limit": lambda: TH.classical_limit(S, 0.1, 0.1),
    "theory.random_projections": lambda: TH.random_projections(S, 20, 10, 0.1, 0.1),
    "theory.weighted_mixing": lambda: TH.weighted_mixing(S, 20, 10, 0.5, 0.1),
    "theory.optimal_alpha": lambda: TH.optimal_alpha(S, 20, 10, 0.1, grid=5),
    "theory.iterative_mixing": lambda: TH.iterative_mixing(S, 20, 10, 2, 0.1),
    "theory.iterative_mixing_limit": lambda: TH.iterative_mixing_limit(S, 20, 10, 0.1, points=16),
    "theory.iterative_mixing_leading_order": lambda: TH.iterative_mixing_leading_order(S, 20, 10, 2, 0.1),
    "theory.workflow": lambda: TH.workflow(S, 20, 2, "replace", 0.1),
    "simulate.classical": lambda: SIM.classical(S, 20, 0.1, 0.1, **RUN),
    "simulate.classical_terms": lambda: SIM.classical_terms(S, 20, 0.1, 0.1, **RUN),
    "simulate.random_projections": lambda: SIM.random_projections(S, 20, 10, 0.1, 0.1, **RUN),
    "simulate.weighted_mixing": lambda: SIM.weighted_mixing(S, 20, 10, 0.5, 0.1, **RUN),
    "simulate.weighted_mixing_terms": lambda: SIM.weighted_mixing_terms(S, 20, 10, 0.5, 0.1, **RUN),
    "simulate.iterative_mixing": lambda: SIM.iterative_mixing(S, 20, 10, 2, 0.1, **RUN),
    "simulate.iterative_mixing_terms": lambda: SIM.iterative_mixing_terms(S, 20, 10, 2, 0.1, **RUN),
    "simulate.workflow": lambda: SIM.workflow(S, 20, 2, "replace", 0.1, **RUN),
}

# public functions that return something else on purpose
NOT_A_DATACLASS = {
    "theory.solve_kappa": "κ, one number per grid point: an array on the grid",
    "theory.solve_mu": "μ, one number per grid point: an array on the grid",
    "theory.corollary1": "a closed form of the total error only: an array on the grid",
    "theory.workflow_ols_exact": "an exact closed form of the total error only: an array (grid, generations)",
    "theory.workflow_table": "a tidy table for plots and explorables: a pandas DataFrame",
}


def test_every_public_entry_point_is_in_the_call_table_or_excused():
    entry = {
        f"{pkg.__name__.rsplit('.', 1)[1]}.{name}"
        for pkg in (TH, SIM)
        for name in pkg.__all__
        if inspect.isfunction(getattr(pkg, name))
    }
    assert entry == set(CALLS) | set(NOT_A_DATACLASS), entry ^ (set(CALLS) | set(NOT_A_DATACLASS))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_entry_point_returns_a_frozen_dataclass(name):
    r = CALLS[name]()
    assert dataclasses.is_dataclass(r) and not isinstance(r, type), f"{name} returned {type(r).__name__}"
    assert type(r).__dataclass_params__.frozen, f"{name}: {type(r).__name__} is not frozen"
    field = dataclasses.fields(r)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(r, field, None)
    public = (TH, SIM)[name.startswith("simulate")]
    assert getattr(public, type(r).__name__, None) is type(r), f"{type(r).__name__} is not exported by {name}'s package"
