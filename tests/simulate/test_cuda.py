"""The GPU paths (device="cuda"): each check runs on a CUDA device when there is one, and is skipped otherwise.

The checks are plain functions of ``device`` so that they are also exercised on the CPU
(``test_checks_hold_on_cpu``): a GPU session then only adds the device, not new logic.
Random streams differ between devices, so CUDA results are compared with theory or with
the CPU *statistically*, never bit for bit (same seed, same device: same numbers).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import collapse_lib as cl
from collapse_lib.theory.workflow import KINDS

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
S = cl.Setting.power_law(60, alpha=1.5, r2=1.0, c2=0.5, sigma2=0.25)


def check_rp_simulation_matches_theory(device):
    """Both RP routes (features Z = XS for m < 1.5d, input space for m ≥ 1.5d) agree with Theorem 2."""
    m = np.array([30, 120])
    sim = cl.simulate.random_projections(S, n=150, m=m, p2=0.3, lam=1e-2, trials=60, seed=1, device=device)
    again = cl.simulate.random_projections(S, n=150, m=m, p2=0.3, lam=1e-2, trials=60, seed=1, device=device)
    np.testing.assert_array_equal(sim.values, again.values)
    th = cl.theory.random_projections(S, n=150, m=m, p2=sim.p2_eff, lam=1e-2).total
    assert np.all(np.abs(sim.mean - th) <= 4 * sim.stderr + 0.05 * th), (sim.mean, sim.stderr, th)


def check_mixing_simulation_matches_theory(device):
    s = cl.Setting.isotropic(40, r2=1.0, c2=0.5, sigma2=0.25)
    alpha = np.array([0.5, 0.9])
    sim = cl.simulate.weighted_mixing(s, 200, 200, alpha, 1e-2, trials=60, seed=2, device=device)
    th = cl.theory.weighted_mixing(s, 200, 200, alpha, 1e-2).total
    assert np.all(np.abs(sim.mean - th) <= 4 * sim.stderr + 0.05 * th), (sim.mean, th)


def check_workflow_simulation_matches_theory(device):
    """The four workflows: moments sampler (replace, accumulate, mix) and pooled rows (subsample)."""
    s = cl.Setting.isotropic(60, r2=1.0, sigma2=0.25)
    lam = np.array([1e-3, 0.1])
    for kind in KINDS:
        p2 = 0.5 if kind == "mix" else None
        sim = cl.simulate.workflow(s, 150, 4, kind, lam, p2=p2, trials=60, seed=3, device=device)
        th = cl.theory.workflow(s, 150, 4, kind, lam, p2=p2).total
        assert np.all(np.abs(sim.mean - th) <= 4 * sim.stderr + 0.05 * th), (kind, sim.mean, th)


def check_two_layer_training_lowers_the_loss(device):
    from collapse_lib.nn.two_layer import TrainSpec, train_two_layer

    g = torch.Generator().manual_seed(0)
    X = torch.randn(200, 5, generator=g).to(device)
    Y = torch.stack([torch.sin(X[:, :1]), X[:, 1:2] ** 2])  # (2, 200, 1)
    gens = [torch.Generator(device=device).manual_seed(i) for i in range(2)]
    res = train_two_layer(X, Y, TrainSpec(width=32, steps=200, lr=1e-2, eval_every=50), gens)
    assert res.nets.W.device.type == torch.device(device).type
    assert np.all(res.train_loss[-1] < 0.5 * res.train_loss[0])


def check_language_model_trains(device):
    from collapse_lib.lm import GPTConfig, TrainConfig, train
    from collapse_lib.lm.corpus import concat, token_documents
    from collapse_lib.lm.tokenizer import WordTokenizer

    grammar = cl.lm.default_grammar()
    tok = WordTokenizer.from_grammar(grammar)
    tr = concat(token_documents(cl.lm.sample_stories(120, seed=1)[0], tok))
    ev = concat(token_documents(cl.lm.sample_stories(10, seed=2)[0], tok))[:400]
    cfg = GPTConfig(tok.vocab_size, context=16, depth=1, width=16, heads=2)
    r = train(
        cfg, tr, TrainConfig(steps=40, batch_size=8, lr=1e-2, warmup=2, eval_steps=(1, 40)), ev, seed=0, device=device
    )  # mixed precision (amp="auto") on CUDA
    first, last = r.history.eval_loss.iloc[0], r.history.eval_loss.iloc[-1]
    assert math.isfinite(last) and last < first - 0.5
    assert last > grammar.entropy_per_token()


def check_benchmark_runs(device, tmp_path):
    from collapse_lib import bench

    res = bench.run("tiny", device=device)
    assert res.device.startswith(device)
    assert res.agree  # theory vs reference, simulation vs numpy and vs Theorem 2
    out = tmp_path / f"bench_{device}.json"
    out.write_text(res.to_json())
    assert bench.load(out) == res


CHECKS = [
    check_rp_simulation_matches_theory,
    check_mixing_simulation_matches_theory,
    check_workflow_simulation_matches_theory,
    check_two_layer_training_lowers_the_loss,
    check_language_model_trains,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__[6:])
def test_checks_hold_on_cpu(check):
    check("cpu")


@cuda
@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__[6:])
def test_on_cuda(check):
    check("cuda")


@cuda
def test_benchmark_on_cuda(tmp_path):
    check_benchmark_runs("cuda", tmp_path)
