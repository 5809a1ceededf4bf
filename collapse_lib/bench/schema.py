"""The benchmark's result schema: frozen dataclasses, written to and read from JSON.

Only measurements are stored; every rate, ratio and verdict is a property
computed from them, so the JSON file, the printout and the Performance page
cannot disagree. Timings that vary from run to run are stored once per
repetition (library and baseline interleaved), and what is reported is their
median, with the range (min–max) as the spread. :func:`load` reads a file back and names the file and the
field when something is missing or of the wrong type. A file carries ``sha256``,
the SHA-256 of the rest of its content (:func:`collapse_lib.datafiles.content_sha256`),
written by :meth:`BenchResult.to_json` and checked by :func:`from_json`: a file whose
numbers were changed after it was written, or that has no checksum, is refused by name.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SCHEMA_VERSION = 3
THEORY_TARGET = 1e5  # Theorem 1 points per second on a CPU
SIM_TARGET = 10.0  # simulation speed-up over the numpy loop
Z_LIMIT = 5.0  # simulated means agree when |z| < 5
THEORY_TOL = 1e-8  # vectorised theory vs the brentq reference, max relative difference
SHARED_TOL = 1e-8  # library vs numpy ridge errors on one shared design


@dataclass(frozen=True)
class BenchConfig:
    """Sizes of one benchmark run (``FULL``, ``QUICK``, ``TINY`` in :mod:`.run`)."""

    th_d: int  # Theorem 1 grid: d, n from th_nmin to th_nmax (th_nn values), th_np2 × th_nlam
    th_nmin: float
    th_nmax: float
    th_nn: int
    th_np2: int
    th_nlam: int
    th_sub: int  # points timed in the brentq loop
    repeats: int  # theory: repetitions of each library call (the arithmetics interleaved); the median is reported
    sim_d: int  # classical simulation: d, n, grid of p2 × λ, trials (library) and baseline trials
    sim_n: int
    sim_np2: int
    sim_nlam: int
    sim_trials: int
    sim_base_trials: int
    sim_repeats: int  # interleaved repetitions (every method, then the numpy loop) of the classical simulation
    peak_N: int  # size of the float64 matmul that measures peak GFLOP/s
    sc_trials: int  # scaling: trials, the d sweep at n = sc_n0 and the n sweep at d = sc_d0
    sc_d: tuple
    sc_n0: int
    sc_d0: int
    sc_n: tuple
    rp_th_d: int  # Theorem 2 grid: d, n (rp_th_nn values), ψ = m/n (rp_th_nm), p2, λ; points timed in the loop
    rp_th_nn: int
    rp_th_nm: int
    rp_th_np2: int
    rp_th_nlam: int
    rp_th_sub: int
    rp_d: int  # random-projections simulation
    rp_n: int
    rp_m: int
    rp_trials: int
    rp_base_trials: int


def median(values) -> float:
    """The median of the repetitions of a measurement."""
    return float(np.median(np.asarray(values, dtype=float)))


def spread(values) -> tuple[float, float]:
    """(min, max) of the repetitions of a measurement."""
    v = np.asarray(values, dtype=float)
    return float(v.min()), float(v.max())


@dataclass(frozen=True)
class TheoryBench:
    """Vectorised theory on a grid, in one arithmetic, vs the per-point brentq reference on a random subset of it.

    ``path`` is the arithmetic of the ratios s/(s+κ) forced for this row (``"fast"`` or
    ``"safe"``, :mod:`collapse_lib.theory.arithmetic`); ``auto_uses`` says which one the default
    (``path="auto"``) takes on this grid (``"fast"``, ``"safe"`` or ``"both"``), read from the solved
    fixed points. ``lib_seconds`` holds one wall time per repetition, the two arithmetics timed in turn.
    """

    theorem: int
    setting: str
    path: str
    auto_uses: str
    d: int
    points: int
    fixed_points: int  # distinct (n, λ) (Theorem 1) or (n, m, λ) (Theorem 2): the fixed points solved
    lib_seconds: tuple[float, ...]
    baseline_points: int
    baseline_seconds: float
    max_rel_diff: float

    @property
    def lib_rate(self) -> float:
        """Points per second, median of the repetitions."""
        return self.points / median(self.lib_seconds)

    @property
    def lib_rate_spread(self) -> tuple[float, float]:
        """(slowest, fastest) points per second over the repetitions."""
        lo, hi = spread(self.lib_seconds)
        return self.points / hi, self.points / lo

    @property
    def is_default(self) -> bool:
        """Whether this row's arithmetic is the one ``path="auto"`` takes on this grid."""
        return self.auto_uses == self.path

    @property
    def baseline_rate(self) -> float:
        return self.baseline_points / self.baseline_seconds

    @property
    def ratio(self) -> float:
        return self.lib_rate / self.baseline_rate

    @property
    def agree(self) -> bool:
        return self.max_rel_diff < THEORY_TOL

    @property
    def target_met(self) -> bool | None:
        """Theorem 1 only: at least ``THEORY_TARGET`` points per second (median)."""
        return self.lib_rate >= THEORY_TARGET if self.theorem == 1 else None


@dataclass(frozen=True)
class MethodTiming:
    """One ``method`` of ``cl.simulate.classical`` over the repetitions, and max |z| of its means vs the numpy loop's.

    ``seconds[i]`` is the wall time of repetition i and ``solve_seconds[i]`` the part of it spent in
    the ridge solves (``simulate.ridge.ridge_solve_moments``), timed inside the same call.
    """

    method: str
    seconds: tuple[float, ...]
    solve_seconds: tuple[float, ...]
    max_abs_z: float


@dataclass(frozen=True)
class Stage:
    name: str
    seconds_per_trial: float


@dataclass(frozen=True)
class Profile:
    """Per-trial time of each stage of the classical simulation, library and numpy loop (one separate run)."""

    trials: int
    library: tuple[Stage, ...]
    baseline: tuple[Stage, ...]

    @property
    def library_total(self) -> float:
        return sum(s.seconds_per_trial for s in self.library)

    @property
    def baseline_total(self) -> float:
        return sum(s.seconds_per_trial for s in self.baseline)

    @property
    def stage_ratio(self) -> float:
        return self.baseline_total / self.library_total

    @property
    def draw_and_gram(self) -> float:
        """Library time per trial to draw the data and form XᵀX, which any code pays."""
        return sum(s.seconds_per_trial for s in self.library if s.name in ("draw", "gram XtX"))


@dataclass(frozen=True)
class Memory:
    """Peak extra memory (MiB) of one call, and how it was measured."""

    direct: float
    auto: float
    numpy_loop_1_trial: float
    how: str
    how_baseline: str


@dataclass(frozen=True)
class SimulationBench:
    """``cl.simulate.classical`` vs a numpy loop (one ``numpy.linalg.solve`` per trial, p2 and λ).

    The library's methods and the numpy loop run in turn, ``repetitions`` times (every method,
    then the loop; again ...). Ratios are formed per repetition, from the loop's time and the
    library's in the same repetition, and reported as their median with the range (min–max).
    The bound "if the solve were free" of repetition i is the loop's time over the library's time
    less the time its own call spent in the solves, so it is never below that repetition's ratio.
    """

    d: int
    n: int
    n_p2: int
    n_lam: int
    trials: int
    baseline_trials: int  # the numpy loop runs this many trials; its time is scaled to ``trials``
    auto_uses: str
    methods: tuple[MethodTiming, ...]
    baseline_seconds_measured: tuple[float, ...]  # one per repetition
    naive_seconds_1_trial: float  # the literal loop, re-forming XᵀX for every solve, one trial
    shared_design_max_rel_diff: float
    flops: float
    peak_gflops: float
    peak_matmul_N: int
    memory: Memory
    profile: Profile

    @property
    def repetitions(self) -> int:
        return len(self.baseline_seconds_measured)

    def seconds(self, method: str) -> float:
        """Median wall time of ``method``."""
        return median(self.timing(method).seconds)

    def timing(self, method: str) -> MethodTiming:
        for t in self.methods:
            if t.method == method:
                return t
        raise KeyError(f"method {method!r} was not timed")

    @property
    def baseline_runs(self) -> tuple[float, ...]:
        """The numpy loop's time per repetition, scaled to ``trials``."""
        return tuple(t / self.baseline_trials * self.trials for t in self.baseline_seconds_measured)

    @property
    def baseline_seconds(self) -> float:
        return median(self.baseline_runs)

    @property
    def naive_seconds(self) -> float:
        return self.naive_seconds_1_trial * self.trials

    def ratios(self, method: str = "auto") -> tuple[float, ...]:
        """Speed-up over the numpy loop in each repetition (loop time / library time, same repetition)."""
        return tuple(b / t for b, t in zip(self.baseline_runs, self.timing(method).seconds, strict=True))

    def ratio(self, method: str = "auto") -> float:
        """Median speed-up over the numpy loop."""
        return median(self.ratios(method))

    def ratio_spread(self, method: str = "auto") -> tuple[float, float]:
        return spread(self.ratios(method))

    def bounds(self, method: str = "auto") -> tuple[float, ...]:
        """Per repetition, the speed-up had the library's solves cost nothing: loop / (library − its solves)."""
        t = self.timing(method)
        return tuple(
            b / (s - v) if s > v else math.inf
            for b, s, v in zip(self.baseline_runs, t.seconds, t.solve_seconds, strict=True)
        )

    @property
    def bound_if_solve_free(self) -> float:
        """Median of :meth:`bounds` (method auto): at least the median ratio, since each bound is ≥ its ratio."""
        return median(self.bounds("auto"))

    @property
    def bound_spread(self) -> tuple[float, float]:
        return spread(self.bounds("auto"))

    def ratio_vs_naive(self, method: str = "auto") -> float:
        return self.naive_seconds / self.seconds(method)

    @property
    def achieved_gflops(self) -> float:
        return self.flops / self.seconds("direct") / 1e9

    @property
    def fraction_of_peak(self) -> float:
        return self.achieved_gflops / self.peak_gflops

    @property
    def target_met(self) -> bool:
        """×``SIM_TARGET`` (method auto, median) against the loop that forms XᵀX once per trial."""
        return self.ratio("auto") >= SIM_TARGET

    @property
    def target_met_vs_literal(self) -> bool:
        return self.ratio_vs_naive("auto") >= SIM_TARGET

    @property
    def agree(self) -> bool:
        return self.shared_design_max_rel_diff < SHARED_TOL and all(t.max_abs_z < Z_LIMIT for t in self.methods)


@dataclass(frozen=True)
class ProjectionsBench:
    """``cl.simulate.random_projections`` vs a numpy loop (Z and ZᵀZ once per trial, one solve per p2 and λ)."""

    d: int
    n: int
    m: int
    n_p2: int
    n_lam: int
    trials: int
    baseline_trials: int
    lib_seconds: float
    baseline_seconds_measured: float
    max_abs_z_vs_theory: float
    flops: float
    memory_mib: float
    memory_how: str

    @property
    def baseline_seconds(self) -> float:
        return self.baseline_seconds_measured / self.baseline_trials * self.trials

    @property
    def ratio(self) -> float:
        return self.baseline_seconds / self.lib_seconds

    @property
    def achieved_gflops(self) -> float:
        return self.flops / self.lib_seconds / 1e9

    @property
    def target_met(self) -> bool:
        return self.ratio >= SIM_TARGET

    @property
    def agree(self) -> bool:
        return not self.max_abs_z_vs_theory >= Z_LIMIT  # NaN (one trial) is no evidence against


@dataclass(frozen=True)
class ScalingRow:
    d: int
    n: int
    direct: float
    auto: float
    auto_uses: str


def _fit_exponent(x, t) -> float:
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(t, float)), 1)[0])


@dataclass(frozen=True)
class ScalingBench:
    """Simulation time on a d sweep (at n = ``n_at_d_sweep``) and an n sweep (at d = ``d_at_n_sweep``).

    ``rows`` holds each measured (d, n) once, sorted by (d, n); the point the two
    sweeps share is measured once and belongs to both.
    """

    trials: int
    n_at_d_sweep: int
    d_at_n_sweep: int
    rows: tuple[ScalingRow, ...]

    def d_sweep(self) -> list[ScalingRow]:
        return sorted((r for r in self.rows if r.n == self.n_at_d_sweep), key=lambda r: r.d)

    def n_sweep(self) -> list[ScalingRow]:
        return sorted((r for r in self.rows if r.d == self.d_at_n_sweep), key=lambda r: r.n)

    @property
    def exponents(self) -> dict[str, float]:
        """Log–log least-squares slopes of time in d and in n, per method."""
        out = {}
        for m in ("direct", "auto"):
            out[f"d_{m}"] = _fit_exponent([r.d for r in self.d_sweep()], [getattr(r, m) for r in self.d_sweep()])
            out[f"n_{m}"] = _fit_exponent([r.n for r in self.n_sweep()], [getattr(r, m) for r in self.n_sweep()])
        return out


@dataclass(frozen=True)
class BenchResult:
    """One benchmark run: its sizes, the four measurements, timing and provenance."""

    mode: str
    device: str
    torch_threads: int
    config: BenchConfig
    theory: tuple[TheoryBench, ...]  # Theorem 1 then Theorem 2, one entry per setting and arithmetic
    simulation: SimulationBench
    scaling: ScalingBench
    projections: ProjectionsBench
    elapsed_s: float
    provenance: dict = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def theorem(self, k: int, path: str | None = None) -> list[TheoryBench]:
        """The rows of Theorem ``k``: all, those of one arithmetic, or (``path="default"``) those of the arithmetic
        the default takes (the safe rows, a lower bound, for a grid where it takes both)."""
        rows = [t for t in self.theory if t.theorem == k]
        if path == "default":
            return [t for t in rows if t.path == (t.auto_uses if t.auto_uses in ("fast", "safe") else "safe")]
        return rows if path is None else [t for t in rows if t.path == path]

    @property
    def agree(self) -> bool:
        """Every library/baseline comparison agrees."""
        return all(t.agree for t in self.theory) and self.simulation.agree and self.projections.agree

    def to_json(self) -> str:
        """The JSON text of the result, with its ``sha256`` checksum."""
        return json.dumps(_with_checksum(plain(dataclasses.asdict(self))), indent=1, allow_nan=False)


CHECKSUM_FIELD = "sha256"


def _with_checksum(data: dict) -> dict:
    from ..datafiles import content_sha256

    data = {k: v for k, v in data.items() if k != CHECKSUM_FIELD}
    return dict(data, **{CHECKSUM_FIELD: content_sha256(data)})


def _check_checksum(data: dict, source: str) -> None:
    stored = data.get(CHECKSUM_FIELD)
    if stored is None:
        raise ValueError(
            f"{source}: has no checksum ('{CHECKSUM_FIELD}'), so its measurements cannot be verified; "
            "re-run python -m collapse_lib.bench --out <file>"
        )
    if stored != _with_checksum(data)[CHECKSUM_FIELD]:
        raise ValueError(
            f"{source}: does not match its checksum ('{CHECKSUM_FIELD}'): its numbers were changed after it was "
            "written; re-run python -m collapse_lib.bench --out <file>"
        )


def plain(x):
    """JSON-ready copy: tuples as lists, numpy scalars as Python numbers, non-finite floats as None."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, (np.integer, np.bool_)):
        return x.item()
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return x


def _build(cls, data, where: str):
    """``cls`` from a JSON object, recursing into nested dataclasses; names ``where`` on a missing field."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object for {cls.__name__}, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
                continue
            raise ValueError(f"{where}: missing field {f.name!r}")
        kwargs[f.name] = _value(hints[f.name], data[f.name], f"{where}.{f.name}")
    return cls(**kwargs)


def _value(tp, v, where):
    if dataclasses.is_dataclass(tp):
        return _build(tp, v, where)
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if not isinstance(v, list):
            raise ValueError(f"{where}: expected a list, got {v!r}")
        if args and dataclasses.is_dataclass(args[0]):
            return tuple(_build(args[0], x, f"{where}[{i}]") for i, x in enumerate(v))
        if len(args) == 2 and args[1] is Ellipsis:  # tuple[float, ...]: every element checked
            return tuple(_value(args[0], x, f"{where}[{i}]") for i, x in enumerate(v))
        return tuple(v)
    if tp is float:
        if v is None:
            return math.nan
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise ValueError(f"{where}: expected a number, got {v!r}")
        return float(v)
    if tp is int and (not isinstance(v, int) or isinstance(v, bool)):
        raise ValueError(f"{where}: expected an integer, got {v!r}")
    if tp is str and not isinstance(v, str):
        raise ValueError(f"{where}: expected a string, got {v!r}")
    if tp is tuple:
        return tuple(v)
    return v


def from_json(text: str, source: str = "benchmark result") -> BenchResult:
    """A :class:`BenchResult` from its JSON text; ``source`` names it in errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: not valid JSON ({exc})") from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        raise ValueError(
            f"{source}: benchmark schema version {version!r}, expected {SCHEMA_VERSION}; "
            f"re-run python -m collapse_lib.bench --out <file>"
        )
    result = _build(BenchResult, data, source)
    _check_checksum(data, source)
    return result


def stamp(path) -> str:
    """Give a benchmark file that has no checksum its ``sha256``; returns ``"stamped"`` or ``"already"``.

    For a file known to hold what the benchmark wrote (written before results
    carried checksums): it must load in every other respect; it is rewritten
    atomically with the same content plus ``sha256``. A file whose checksum does
    not match is refused (ValueError): a stamp never covers changed numbers.
    """
    from ..fileio import atomic_write

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read a benchmark result ({exc})") from None
    if isinstance(data, dict) and CHECKSUM_FIELD in data:
        from_json(json.dumps(data), str(path))
        return "already"
    from_json(json.dumps(_with_checksum(data) if isinstance(data, dict) else data), str(path))  # every other check
    atomic_write(path, json.dumps(_with_checksum(data), indent=1, allow_nan=False) + "\n")
    return "stamped"


def load(path) -> BenchResult:
    """Read a benchmark result written by ``python -m collapse_lib.bench --out``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return from_json(text, str(path))
