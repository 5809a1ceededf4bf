"""Property-based: every public entry point refuses generated bad input with one clear error naming the argument.

For each (entry point, argument) pair of the table below, hypothesis draws bad values of the
argument's kind — bools and numeric strings where a number is expected (NumPy would take them as
1 and as the parsed number), NaN and ±inf, values outside the legal range, non-integers where an
integer is needed, empty and ragged arrays, arrays hiding a bool or a string, other types — and
the call must raise ``ValueError`` or ``TypeError`` whose message starts with the argument's name.
All other arguments keep a valid value, so the error can only come from the one under test.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collapse_lib as cl
from collapse_lib.lm import corpus as lm_corpus
from collapse_lib.lm.analysis import fit_scaling
from collapse_lib.lm.experiment import eval_points
from collapse_lib.lm.tokenizer import ByteTokenizer, WordTokenizer
from collapse_lib.lm.train import TrainConfig
from collapse_lib.nn import experiments as nn_exp
from collapse_lib.nn.random_features import draw_projection, solve_readout
from collapse_lib.nn.two_layer import TrainSpec

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

S = cl.Setting.isotropic(4)

# ------------------------------------------------------------------ bad values, by kind of argument
not_numbers = st.sampled_from(
    [
        True,
        False,
        np.True_,
        "1",
        "0.2",
        "nan",
        b"3",
        None,
        1 + 2j,
        {"a": 1},
        [True, 2.0],
        ["0.1"],
        object(),
        np.array(["1"]),
        np.array([True]),
        [[1.0], [1.0, 2.0]],
    ]
)
non_finite = st.sampled_from([math.nan, math.inf, -math.inf, [1.0, math.nan], np.array([math.inf])])
negative = st.floats(max_value=-1e-300, allow_nan=False, allow_infinity=False)
empty = st.sampled_from([[], np.zeros(0), ()])
non_integer = st.floats(0.01, 1e6).filter(lambda x: not float(x).is_integer())
above_one = st.floats(min_value=1.0 + 1e-9, allow_nan=False, allow_infinity=False)

BAD = {
    # positive sizes, non-integer allowed (the theory's n, m, phi)
    "size": st.one_of(not_numbers, non_finite, negative, st.just(0), st.just(0.0), empty),
    # positive integer sizes (simulation n, m, widths)
    "int_size": st.one_of(not_numbers, non_finite, negative, st.just(0), non_integer, empty),
    # non-negative sizes (theory n1, n2: one group may be empty)
    "nonneg_size": st.one_of(not_numbers, non_finite, negative, empty),
    "fraction": st.one_of(not_numbers, non_finite, negative, above_one, empty),
    "nonneg": st.one_of(not_numbers, non_finite, negative, empty),
    "nonneg_scalar": st.one_of(not_numbers, non_finite, negative, st.just([0.1, 0.2])),
    "pos_scalar": st.one_of(not_numbers, non_finite, negative, st.just(0.0), st.just([0.1, 0.2])),
    "pos_int": st.one_of(not_numbers, non_finite, negative, st.just(0), non_integer),
    "nonneg_int": st.one_of(not_numbers, non_finite, negative.filter(lambda x: x <= -1), non_integer),
    "seed": st.one_of(not_numbers, non_finite, st.integers(max_value=-1), non_integer, st.just(2.0)),
    "flag": st.sampled_from(["no", "yes", "False", 0, 1, 1.0, None, [True]]),
    "vector_pos": st.one_of(
        not_numbers,
        non_finite,
        st.just([1.0, 0.0, 1.0, 1.0]),
        st.just([1.0, -1.0, 1.0, 1.0]),
        st.just([]),
        st.just(np.ones((2, 2))),
    ),
    "vector_nonneg": st.one_of(not_numbers, non_finite, st.just([0.1, -0.1, 0.1, 0.1]), st.just([0.1, 0.1])),
    "device": st.sampled_from(
        ["tpu", "cpu:7", "cpu:1", "gpu", "", 3, None, "cuda:99"]
        + ([] if torch.cuda.is_available() else ["cuda", "cuda:0"])
    ),
    "dtype": st.sampled_from(["float16", "double", "int64", None, 64, torch.int32]),
    "ids": st.sampled_from([[-1], [10_000], [1.5], [True], ["a"], [0, -3]]),
}


def _split():
    if not hasattr(_split, "value"):
        _split.value = nn_exp.mnist_split(n_teacher_pool=300, n_val=100)
    return _split.value


TOK = WordTokenizer(["a", "b", "c"])
SPEC = TrainSpec(width=2, steps=1)

# entry point: (call(**kw), valid kwargs, {argument: kind}); a kind ending in "?" also accepts None
ENTRY_POINTS = {
    "theory.classical": (
        lambda **k: cl.theory.classical(S, **k),
        dict(n=20, p2=0.1, lam=0.1),
        dict(n="size", p2="fraction", lam="nonneg"),
    ),
    "theory.classical_limit": (
        lambda **k: cl.theory.classical_limit(S, **k),
        dict(p2=0.1, lam=0.1),
        dict(p2="fraction", lam="nonneg"),
    ),
    "theory.solve_kappa": (
        lambda **k: cl.theory.solve_kappa(S, **k),
        dict(n=20, lam=0.1),
        dict(n="size", lam="nonneg"),
    ),
    "theory.corollary1": (
        cl.theory.corollary1,
        dict(phi=0.5, p2=0.1, r2=1.0, c2=0.5, sigma2=0.25),
        dict(phi="size", p2="fraction", r2="nonneg", c2="nonneg", sigma2="nonneg"),
    ),
    "theory.random_projections": (
        lambda **k: cl.theory.random_projections(S, **k),
        dict(n=20, m=10, p2=0.1, lam=0.1),
        dict(n="size", m="size", p2="fraction", lam="nonneg"),
    ),
    "theory.solve_mu": (
        lambda **k: cl.theory.solve_mu(S, **k),
        dict(n=20, m=10, lam=0.1),
        dict(n="size", m="size", lam="nonneg"),
    ),
    "theory.weighted_mixing": (
        lambda **k: cl.theory.weighted_mixing(S, **k),
        dict(n1=20, n2=10, alpha=0.5, lam=0.1),
        dict(n1="nonneg_size", n2="nonneg_size", alpha="fraction", lam="nonneg"),
    ),
    "theory.optimal_alpha": (
        lambda **k: cl.theory.optimal_alpha(S, **k),
        dict(n1=20, n2=10, lam=0.1, grid=5),
        dict(n1="size", n2="size", lam="nonneg", grid="pos_int"),
    ),
    "theory.iterative_mixing": (
        lambda **k: cl.theory.iterative_mixing(S, **k),
        dict(n1=20, n2=10, rounds=1, lam=0.1, relabel_noise=True),
        dict(n1="size", n2="size", rounds="nonneg_int", lam="nonneg", relabel_noise="flag"),
    ),
    "theory.iterative_mixing_limit": (
        lambda **k: cl.theory.iterative_mixing_limit(S, **k),
        dict(n1=20, n2=10, lam=0.1, relabel_noise=True, points=16),
        dict(n1="size", n2="size", lam="nonneg", relabel_noise="flag", points="pos_int"),
    ),
    "theory.iterative_mixing_leading_order": (
        lambda **k: cl.theory.iterative_mixing_leading_order(S, **k),
        dict(n1=20, n2=10, rounds=1, lam=0.1, relabel_noise=True),
        dict(n1="size", n2="size", rounds="nonneg_int", lam="nonneg", relabel_noise="flag"),
    ),
    "Setting": (
        cl.Setting,
        dict(spectrum=[1.0] * 4, gamma=[0.1] * 4, delta=[0.1] * 4, sigma2_real=0.2, sigma2_synth=0.3),
        dict(
            spectrum="vector_pos",
            gamma="vector_nonneg",
            delta="vector_nonneg",
            sigma2_real="nonneg_scalar",
            sigma2_synth="nonneg_scalar",
        ),
    ),
    "Setting.isotropic": (
        cl.Setting.isotropic,
        dict(d=4, r2=1.0, c2=0.5, sigma2=0.25, sigma2_synth=0.3),
        dict(
            d="pos_int", r2="nonneg_scalar", c2="nonneg_scalar", sigma2="nonneg_scalar", sigma2_synth="nonneg_scalar?"
        ),
    ),
    "Setting.power_law": (
        cl.Setting.power_law,
        dict(d=4, alpha=1.0, r2=1.0, c2=0.5, sigma2=0.25),
        dict(d="pos_int", alpha="nonneg_scalar", r2="nonneg_scalar", c2="nonneg_scalar", sigma2="nonneg_scalar"),
    ),
    "Setting.with_quality": (S.with_quality, dict(c2=0.3), dict(c2="nonneg_scalar")),
    "Setting.with_noise": (
        S.with_noise,
        dict(sigma2_real=0.1, sigma2_synth=0.2),
        dict(sigma2_real="nonneg_scalar?", sigma2_synth="nonneg_scalar?"),
    ),
    "sample": (
        lambda **k: cl.sample(S, **k),
        dict(n=10, p2=0.1, seed=0),
        dict(n="int_size", p2="fraction", seed="seed"),
    ),
    "theory.workflow": (
        lambda **k: cl.theory.workflow(S, **k),
        dict(n=20, generations=2, kind="mix", lam=0.1, p2=0.5),
        dict(n="size", generations="nonneg_int", lam="nonneg", p2="fraction"),
    ),
    "theory.workflow_ols_exact": (
        lambda **k: cl.theory.workflow_ols_exact(S, **k),
        dict(n=20, generations=2, kind="replace"),
        dict(n="size", generations="nonneg_int"),
    ),
    "theory.workflow_table": (
        lambda **k: cl.theory.workflow_table(S, **k),
        dict(n=20, lam=0.1, generations=2, p2=0.5),
        dict(n="size", lam="nonneg", generations="nonneg_int", p2="fraction"),
    ),
    "simulate.workflow": (
        lambda **k: cl.simulate.workflow(S, **k),
        dict(n=10, generations=1, kind="replace", lam=0.1, trials=2, seed=0, device="cpu", dtype="float64"),
        dict(
            n="int_size",
            generations="nonneg_int",
            lam="nonneg",
            trials="pos_int",
            seed="seed",
            device="device",
            dtype="dtype",
        ),
    ),
    "simulate.classical": (
        lambda **k: cl.simulate.classical(S, **k),
        dict(n=10, p2=0.1, lam=0.1, trials=2, seed=0, device="cpu", dtype="float64"),
        dict(n="int_size", p2="fraction", lam="nonneg", trials="pos_int", seed="seed", device="device", dtype="dtype"),
    ),
    "simulate.classical_terms": (
        lambda **k: cl.simulate.classical_terms(S, **k),
        dict(n=10, p2=0.1, lam=0.1, trials=2, seed=0),
        dict(n="int_size", p2="fraction", lam="nonneg", trials="pos_int", seed="seed"),
    ),
    "simulate.random_projections": (
        lambda **k: cl.simulate.random_projections(S, **k),
        dict(n=10, m=3, p2=0.1, lam=0.1, trials=2, seed=0),
        dict(n="int_size", m="int_size", p2="fraction", lam="nonneg", trials="pos_int", seed="seed"),
    ),
    "simulate.weighted_mixing": (
        lambda **k: cl.simulate.weighted_mixing(S, **k),
        dict(n1=10, n2=5, alpha=0.5, lam=0.1, trials=2, seed=0),
        dict(n1="nonneg_int", n2="nonneg_int", alpha="fraction", lam="nonneg_scalar", trials="pos_int", seed="seed"),
    ),
    "simulate.weighted_mixing_terms": (
        lambda **k: cl.simulate.weighted_mixing_terms(S, **k),
        dict(n1=10, n2=5, alpha=0.5, lam=0.1, trials=2, seed=0),
        dict(n1="nonneg_int", n2="nonneg_int", alpha="fraction", lam="nonneg_scalar", trials="pos_int", seed="seed"),
    ),
    "simulate.iterative_mixing": (
        lambda **k: cl.simulate.iterative_mixing(S, **k),
        dict(n1=10, n2=5, rounds=1, lam=0.1, relabel_noise=True, trials=2, seed=0),
        dict(
            n1="pos_int",
            n2="pos_int",
            rounds="nonneg_int",
            lam="nonneg_scalar",
            relabel_noise="flag",
            trials="pos_int",
            seed="seed",
        ),
    ),
    "simulate.iterative_mixing_terms": (
        lambda **k: cl.simulate.iterative_mixing_terms(S, **k),
        dict(n1=10, n2=5, rounds=1, lam=0.1, relabel_noise=True, trials=2, seed=0),
        dict(
            n1="pos_int",
            n2="pos_int",
            rounds="nonneg_int",
            lam="nonneg_scalar",
            relabel_noise="flag",
            trials="pos_int",
            seed="seed",
        ),
    ),
    "nn.TrainSpec": (
        TrainSpec,
        dict(width=2, steps=3, lr=1e-3, weight_decay=0.0, eval_every=1, out_scale=1.0, batch_size=4, patience=2),
        dict(
            width="pos_int",
            steps="pos_int",
            lr="pos_scalar",
            weight_decay="nonneg_scalar",
            eval_every="pos_int",
            out_scale="nonneg_scalar",
            batch_size="pos_int?",
            patience="pos_int?",
        ),
    ),
    "nn.gaussian_width_sweep": (
        lambda **k: nn_exp.gaussian_width_sweep(S, spec=SPEC, **k),
        dict(n=10, widths=[2], p2s=[0.1], trials=1, n_test=5, n_val=0, seed=0),
        dict(
            n="pos_int",
            widths="int_size",
            p2s="fraction",
            trials="pos_int",
            n_test="pos_int",
            n_val="nonneg_int",
            seed="seed",
        ),
    ),
    "nn.mnist_split": (
        nn_exp.mnist_split,
        dict(seed=0, n_teacher_pool=300, n_val=100),
        dict(seed="seed", n_teacher_pool="pos_int", n_val="nonneg_int"),
    ),
    "nn.WeakTeacher": (
        lambda **k: nn_exp.WeakTeacher(_split(), **k),
        dict(n_samples=20, lam=1e-2, hard=True),
        dict(n_samples="pos_int", lam="nonneg_scalar", hard="flag"),
    ),
    "nn.draw_projection": (
        lambda **k: draw_projection(generator=torch.Generator(), device="cpu", **k),
        dict(d=3, m=2),
        dict(d="pos_int"),
    ),
    "nn.solve_readout": (
        lambda **k: solve_readout(torch.eye(2), torch.ones(2, 1), **k),
        dict(lam=0.1),
        dict(lam="nonneg_scalar"),
    ),
    "lm.TrainConfig": (
        TrainConfig,
        dict(steps=3, batch_size=2, lr=1e-3, warmup=1, min_lr_ratio=0.1, weight_decay=0.1, grad_clip=1.0, eval_batch=2),
        dict(
            steps="pos_int",
            batch_size="pos_int",
            lr="pos_scalar",
            warmup="nonneg_int",
            min_lr_ratio="fraction",
            weight_decay="nonneg_scalar",
            grad_clip="pos_scalar",
            eval_batch="pos_int",
        ),
    ),
    "lm.WordTokenizer.fit": (
        lambda **k: WordTokenizer.fit(["a b c"], **k),
        dict(max_words=2),
        dict(max_words="pos_int"),
    ),
    "lm.WordTokenizer.decode": (TOK.decode, dict(ids=[2, 3]), dict(ids="ids")),
    "lm.ByteTokenizer.decode": (ByteTokenizer().decode, dict(ids=[105]), dict(ids="ids")),
    "lm.concat": (
        lambda **k: lm_corpus.concat([np.arange(5, dtype=np.int32)], **k),
        dict(n_tokens=3),
        dict(n_tokens="pos_int"),
    ),
    "lm.mix": (
        lambda **k: lm_corpus.mix([np.arange(9, dtype=np.int32)], [np.arange(9, dtype=np.int32)], **k),
        dict(n_tokens=6, p=0.5, seed=0),
        dict(n_tokens="pos_int", p="fraction", seed="seed"),
    ),
    "lm.stories": (cl.lm.stories, dict(n=2, seed=0), dict(n="pos_int", seed="seed")),
    "lm.eval_points": (eval_points, dict(steps=10, num=3), dict(steps="pos_int", num="pos_int")),
    "lm.fit_scaling": (
        lambda **k: fit_scaling([1, 2, 4], [3.0, 2.5, 2.2], **k),
        dict(floor=2.0, min_fraction=0.1),
        dict(floor="nonneg_scalar", min_fraction="fraction"),
    ),
    "data.mnist": (cl.data.mnist, dict(split="test", verify=True), dict(verify="flag")),
    "figures.replace_decision": (
        cl.figures.replace_decision,
        dict(name="fig2", scale="smoke", seed=0),
        dict(seed="seed"),
    ),
}

CASES = [(entry, arg) for entry, (_, _, kinds) in ENTRY_POINTS.items() for arg in kinds]

# the message may say "value" for the names argparse or a list element carries; the check is on the caller's name
ALIASES = {("nn.draw_projection", "m"): "width"}


@pytest.mark.parametrize("entry,arg", CASES, ids=[f"{e}-{a}" for e, a in CASES])
@SETTINGS
@given(data=st.data())
def test_bad_argument_is_refused_by_name(entry, arg, data):
    call, valid, kinds = ENTRY_POINTS[entry]
    kind = kinds[arg]
    strategy = BAD[kind.rstrip("?")]
    if kind.endswith("?"):  # None is a valid value of this argument (keep / default)
        strategy = strategy.filter(lambda v: v is not None)
    bad = data.draw(strategy, label=arg)
    kwargs = dict(valid, **{arg: bad})
    with pytest.raises((ValueError, TypeError)) as info:
        call(**kwargs)
    name = ALIASES.get((entry, arg), arg)
    assert str(info.value).startswith(name), f"{entry}({arg}={bad!r}): {info.value}"
    assert "\n" not in str(info.value).strip()


def test_valid_calls_of_the_table_succeed():
    """The valid values of the table are valid: so each refusal above is caused by the bad argument alone."""
    for call, valid, _ in ENTRY_POINTS.values():
        call(**valid)


def test_every_public_theory_and_simulation_function_is_in_the_table():
    listed = {e.split(".", 1)[1] for e in ENTRY_POINTS if e.startswith(("theory.", "simulate."))}
    public = {
        f
        for pkg in (cl.theory, cl.simulate)
        for f in pkg.__all__
        if callable(getattr(pkg, f)) and not isinstance(getattr(pkg, f), type)
    }  # result classes take no input
    assert public <= listed, public - listed


# ------------------------------------------------------------------ the setting argument
def _with_setting(entry):
    """The table's entry point as ``call(setting, **valid)``, or None if its first argument is not ``setting``."""
    pkg, _, name = entry.rpartition(".")
    module = {"": cl, "theory": cl.theory, "simulate": cl.simulate, "nn": nn_exp}.get(pkg)
    fn = getattr(module, name, None) if module is not None else None
    if not callable(fn) or isinstance(fn, type) or next(iter(inspect.signature(fn).parameters)) != "setting":
        return None
    extra = {"nn.gaussian_width_sweep": dict(spec=SPEC)}.get(entry, {})
    return lambda setting, **k: fn(setting, **extra, **k)


SETTING_ENTRIES = [e for e in ENTRY_POINTS if _with_setting(e) is not None]
NOT_SETTINGS = [None, {"d": 4}, np.ones(4), "isotropic", cl.Setting]


@pytest.mark.parametrize("entry", SETTING_ENTRIES)
def test_a_setting_that_is_not_a_setting_is_refused_by_name(entry):
    call, valid = _with_setting(entry), ENTRY_POINTS[entry][1]
    call(S, **valid)  # the same call with a Setting is valid
    for bad in NOT_SETTINGS:
        with pytest.raises(TypeError, match=r"^setting must be a collapse_lib\.Setting") as info:
            call(bad, **valid)
        assert "\n" not in str(info.value)
    with pytest.raises(TypeError, match=r"^setting must be a collapse_lib\.Setting"):
        cl.sampling.prediction_error(None, np.zeros(4), np.zeros(4))


def test_every_function_taking_a_setting_is_checked_above():
    takes_setting = {
        f"{prefix}{name}"
        for prefix, module, names in (
            ("theory.", cl.theory, cl.theory.__all__),
            ("simulate.", cl.simulate, cl.simulate.__all__),
            ("nn.", nn_exp, [n for n in dir(nn_exp) if not n.startswith("_")]),
            ("", cl, ["sample"]),
        )
        for name in names
        if callable(getattr(module, name))
        and not isinstance(getattr(module, name), type)
        and getattr(getattr(module, name), "__module__", "").startswith("collapse_lib")
        and next(iter(inspect.signature(getattr(module, name)).parameters), None) == "setting"
    }
    assert takes_setting and takes_setting <= set(SETTING_ENTRIES), takes_setting - set(SETTING_ENTRIES)


# ------------------------------------------------------------------ singular problems are refused, not solved
@pytest.mark.parametrize("fn", [cl.simulate.weighted_mixing_terms, cl.theory.weighted_mixing])
def test_singular_weighted_ridgeless_is_refused(fn):
    s = cl.Setting.isotropic(10)
    with pytest.raises(ValueError, match="lam = 0 needs more samples with positive weight"):
        fn(s, 4, 4, 0.5, 0.0)  # 8 samples < d = 10 at λ = 0: the weighted Gram matrix is singular
    with pytest.raises(ValueError, match="lam = 0"):
        fn(s, 10, 30, 1.0, 0.0)  # α = 1 weights only the 10 = d real samples


@pytest.mark.parametrize("fn", [cl.simulate.iterative_mixing_terms, cl.simulate.iterative_mixing])
def test_singular_iterative_ridgeless_is_refused(fn):
    s = cl.Setting.isotropic(10)
    for n1, n2 in ((4, 4), (5, 5)):  # n1 + n2 < d and = d at λ = 0: XᵀX is singular
        with pytest.raises(ValueError, match=rf"^lam = 0 needs n1 \+ n2 > d = 10 \(got {n1 + n2}\)"):
            fn(s, n1, n2, 2, 0.0, trials=2)
    result = fn(s, 8, 8, 2, 0.0, trials=2)  # 16 > d: least squares is well posed
    values = result.total if fn is cl.simulate.iterative_mixing_terms else result.mean
    assert np.all(np.isfinite(values))


# ------------------------------------------------------------------ single behaviours the issue names
def test_text_eos_never_becomes_the_end_of_story_id():
    ids = TOK.encode("a <eos> b <unk>")
    assert TOK.eos_id not in ids and ids == [TOK.stoi["a"], TOK.unk_id, TOK.stoi["b"], TOK.unk_id]


def test_mnist_split_leaves_a_training_pool():
    with pytest.raises(ValueError, match="^n_val"):
        nn_exp.mnist_split(n_teacher_pool=10, n_val=59_990)
    sp = nn_exp.mnist_split(n_teacher_pool=10, n_val=59_989)
    assert sp.X_pool.shape[0] == 1 and sp.X_teacher.shape[0] == 10 and sp.X_val.shape[0] == 59_989


def test_numbers_still_accepted_in_every_real_form():
    """The rule rejects bools and strings, not other real numbers: ints, numpy scalars, tensors, nested lists."""
    ref = cl.theory.classical(S, 20, 0.1, 0.1).total
    for n in (20, 20.0, np.int32(20), np.float32(20), np.array(20), torch.tensor(20.0), [20], [[20.0]]):
        assert np.allclose(cl.theory.classical(S, n, 0.1, 0.1).total, ref)
    assert cl.Setting(np.ones(4), torch.full((4,), 0.25), [0.1, 0.1, 0.1, np.float16(0.1)]).d == 4
