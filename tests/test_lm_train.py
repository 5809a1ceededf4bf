"""GPT model, sampling, training loop, checkpoints, DDP, and the Figure 8 recipe (smoke scale)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

import collapse_lib as cl  # noqa: E402
from collapse_lib.figures import fig8  # noqa: E402
from collapse_lib.lm import GPTConfig, TrainConfig, build, generate, lr_at, train  # noqa: E402
from collapse_lib.lm.corpus import concat, token_documents  # noqa: E402
from collapse_lib.lm.tokenizer import WordTokenizer  # noqa: E402

G = cl.lm.default_grammar()
TOK = WordTokenizer.from_grammar(G)
TINY = GPTConfig(TOK.vocab_size, context=16, depth=1, width=16, heads=2)


@pytest.fixture(scope="module")
def streams():
    train_docs = token_documents(cl.lm.sample_stories(120, seed=1)[0], TOK)
    held = token_documents(cl.lm.sample_stories(10, seed=2)[0], TOK)
    return concat(train_docs), concat(held)[:400]


# ---------------------------------------------------------------- model and sampling
def test_kv_cache_matches_full_forward():
    model = build(GPTConfig(TOK.vocab_size, context=24, depth=2, width=16, heads=4), seed=0).eval()
    x = torch.randint(0, TOK.vocab_size, (3, 20), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        full, _ = model(x)
        caches = [[None, None] for _ in model.blocks]
        parts = [model(x[:, :7], caches=caches)[0]]
        parts += [model(x[:, t : t + 1], caches=caches, pos0=t)[0] for t in range(7, 20)]
    torch.testing.assert_close(torch.cat(parts, dim=1), full, atol=1e-5, rtol=1e-5)


def test_same_seed_same_init_and_loss_starts_near_log_vocab():
    a, b = build(TINY, seed=3), build(TINY, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    gen = torch.Generator().manual_seed(1)
    x, y = (torch.randint(0, TOK.vocab_size, (4, 16), generator=gen) for _ in range(2))
    _, loss = a(x, y)
    assert abs(loss.item() - math.log(TOK.vocab_size)) < 0.2  # small init: near-uniform predictions


def test_generate_is_seeded_and_respects_document_limit():
    model = build(TINY, seed=0)
    a = generate(model, 300, batch=4, seed=5, max_doc_len=10)
    b = generate(model, 300, batch=4, seed=5, max_doc_len=10)
    c = generate(model, 300, batch=4, seed=6, max_doc_len=10)
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))
    assert sum(len(d) + 1 for d in a) >= 300
    assert all(len(d) <= 10 and TOK.eos_id not in d for d in a)


def _reference_documents(model, n_tokens, batch, seed, eos_id, max_doc_len, prompt, temperature=1.0):
    """Independent route to ``generate``: nanoGPT-style loop (full forward of the cropped context at every step,
    no key/value cache), a generous fixed number of steps, documents cut and ordered in plain Python."""
    ctx = model.cfg.context
    g = torch.Generator().manual_seed(int(np.random.SeedSequence([seed, 7]).generate_state(1)[0]))
    windows = [list(prompt) for _ in range(batch)]
    streams = [[] for _ in range(batch)]
    run = [0] * batch
    for _ in range(n_tokens // batch + max_doc_len + 25):
        with torch.no_grad():
            logits = model(torch.tensor(windows))[0][:, -1, :].float() / temperature
        nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=g)[:, 0].tolist()
        for b in range(batch):
            tok = eos_id if run[b] >= max_doc_len else nxt[b]
            run[b] = 0 if tok == eos_id else run[b] + 1
            streams[b].append(tok)
            windows[b] = windows[b] + [tok]
            if len(windows[b]) > ctx:
                windows[b] = windows[b][-(ctx // 2) :]
    docs = []  # (start, stream, tokens), finished documents only
    for b, row in enumerate(streams):
        start = 0
        for i, tok in enumerate(row):
            if tok == eos_id:
                docs.append((start, b, row[start:i]))
                start = i + 1
    docs.sort(key=lambda t: t[:2])
    kept, total = [], 0
    for _, _, d in docs:
        if total >= n_tokens:
            break
        kept.append(d)
        total += len(d) + 1
    return kept


@pytest.mark.parametrize(
    "kw",
    [
        dict(n_tokens=300, batch=4, seed=5, max_doc_len=10, prompt=[0]),
        dict(n_tokens=200, batch=3, seed=1, max_doc_len=40, prompt=[7, 3, 0], temperature=0.8),
    ],
)
def test_generate_equals_uncached_reference_sampler(kw):
    """Cache, sliding window and selection give exactly the documents of the plain loop (float64 model, so
    cached and uncached logits agree to rounding and the multinomial draws coincide)."""
    model = build(GPTConfig(12, context=16, depth=2, width=16, heads=2), seed=4).double().eval()
    got = generate(model, eos_id=0, **kw)
    ref = _reference_documents(model, eos_id=0, **kw)
    assert [d.tolist() for d in got] == ref
    assert sum(len(d) for d in got) > 2 * model.cfg.context  # the streams did slide


def test_top_k_one_and_tiny_top_p_are_greedy():
    model = build(GPTConfig(12, context=16, depth=1, width=16, heads=2), seed=2).double().eval()
    greedy = generate(model, 60, batch=2, seed=0, max_doc_len=12, top_k=1)
    assert [d.tolist() for d in greedy] == [
        d.tolist() for d in generate(model, 60, batch=2, seed=9, max_doc_len=12, top_p=1e-9)
    ]
    # greedy: every token is the argmax given the context (checked with the uncached model)
    doc = greedy[0].tolist()
    with torch.no_grad():
        for t in range(len(doc)):
            logits = model(torch.tensor([[0] + doc[:t]]))[0][0, -1]
            assert int(torch.argmax(logits)) == doc[t]
    # top_k = 3 never emits a token outside the 3 most likely ones
    docs = generate(model, 80, batch=2, seed=1, max_doc_len=8, top_k=3)
    for d in docs[:2]:
        d = d.tolist()
        with torch.no_grad():
            for t in range(len(d)):
                top3 = torch.topk(model(torch.tensor([[0] + d[:t]]))[0][0, -1], 3).indices.tolist()
                assert d[t] in top3


def test_select_documents_keeps_first_started_documents():
    from collapse_lib.lm.corpus import select_documents

    streams = np.array([[5, 6, 0, 7, 0, 8, 8, 8, 0], [9, 0, 4, 4, 4, 4, 0, 3, 0]])
    # starts: stream 0 at 0, 3, 5; stream 1 at 0, 2, 7 -> order (0,0) (0,1) (2,1) (3,0) ...
    docs = select_documents(streams, 0, n_tokens=6, started_before=9)
    assert [d.tolist() for d in docs] == [[5, 6], [9], [4, 4, 4, 4]]
    assert [d.tolist() for d in select_documents(streams, 0, 1, 9)] == [[5, 6]]
    with pytest.raises(ValueError, match="^streams: the documents started before step 1"):
        select_documents(streams, 0, n_tokens=6, started_before=1)
    with pytest.raises(ValueError, match="^streams must be a 2-d"):
        select_documents(streams[0], 0, 3, 9)


def test_config_and_argument_errors(streams):
    with pytest.raises(ValueError, match="multiple of heads"):
        GPTConfig(10, width=10, heads=3)
    with pytest.raises(ValueError, match="^depth must"):
        GPTConfig(10, depth=0)
    with pytest.raises(ValueError, match="^lr must"):
        TrainConfig(steps=3, lr=0)
    with pytest.raises(ValueError, match="^eval_steps must"):
        TrainConfig(steps=3, eval_steps=(5,))
    tr, ev = streams
    with pytest.raises(ValueError, match="token ids outside"):
        train(GPTConfig(10, context=16, depth=1, width=16, heads=2), tr, TrainConfig(steps=1, batch_size=2))
    with pytest.raises(ValueError, match="^stream: needs more"):
        train(TINY, tr[:10], TrainConfig(steps=1, batch_size=2))
    with pytest.raises(ValueError, match="^prompt must"):
        generate(build(TINY), 10, batch=1, prompt=[5])
    with pytest.raises(ValueError, match="^prompt must"):
        generate(build(TINY), 10, batch=1, prompt=[TOK.vocab_size + 3, 0])
    for kw, arg in [
        (dict(temperature=0.0), "temperature"),
        (dict(temperature=float("inf")), "temperature"),
        (dict(top_k=0), "top_k"),
        (dict(top_p=0.0), "top_p"),
        (dict(top_p=1.5), "top_p"),
        (dict(top_p=True), "top_p"),
        (dict(eos_id=-1), "eos_id"),
        (dict(max_doc_len=0), "max_doc_len"),
    ]:
        with pytest.raises((ValueError, TypeError), match=f"^{arg} must"):
            generate(build(TINY), 10, batch=1, **kw)


# ---------------------------------------------------------------- training
def test_learning_rate_schedule():
    cfg = TrainConfig(steps=100, lr=1e-3, warmup=10, min_lr_ratio=0.1)
    lrs = np.array([lr_at(s, cfg) for s in range(100)])
    np.testing.assert_allclose(lrs[:10], 1e-3 * np.arange(1, 11) / 10)
    assert lrs.max() == pytest.approx(1e-3)
    assert np.all(np.diff(lrs[10:]) <= 1e-15)  # cosine decay, non-increasing
    assert lr_at(100, cfg) == pytest.approx(1e-4)


def test_a_few_steps_lower_the_loss(streams):
    tr, ev = streams
    r = train(TINY, tr, TrainConfig(steps=40, batch_size=8, lr=1e-2, warmup=2, eval_steps=(1, 40)), ev, seed=0)
    first, last = r.history.eval_loss.iloc[0], r.history.eval_loss.iloc[-1]
    assert first > math.log(TOK.vocab_size) - 0.3
    assert last < first - 1.0, r.history
    assert list(r.history.tokens) == [1 * 8 * 16, 40 * 8 * 16]
    assert last > G.entropy_per_token()  # nobody beats the entropy floor


def test_checkpoint_resume_gives_the_same_losses(streams, tmp_path):
    tr, ev = streams
    cfg = TrainConfig(steps=12, batch_size=4, lr=1e-2, warmup=2, eval_steps=(3, 6, 9, 12))
    straight = train(TINY, tr, cfg, ev, seed=1, checkpoint_dir=tmp_path / "a", checkpoint_every=4)
    part = train(TINY, tr, cfg, ev, seed=1, checkpoint_dir=tmp_path / "b", checkpoint_every=4, stop_after=7)
    assert part.history.step.max() == 6 and part.checkpoint.is_file()
    resumed = train(TINY, tr, cfg, ev, seed=1, checkpoint_dir=tmp_path / "b", checkpoint_every=4)
    assert resumed.resumed_from == 7
    np.testing.assert_array_equal(resumed.history.eval_loss, straight.history.eval_loss)
    np.testing.assert_array_equal(resumed.history.train_loss, straight.history.train_loss)
    for p, q in zip(resumed.model.parameters(), straight.model.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    again = train(TINY, tr, cfg, ev, seed=1, checkpoint_dir=tmp_path / "b")  # finished: returns at once
    assert again.resumed_from == 12 and again.history.equals(straight.history)
    other = train(TINY, tr, cfg, ev, seed=2, checkpoint_dir=tmp_path / "b", stop_after=1)  # other seed: new file
    assert other.resumed_from == 0 and other.checkpoint != resumed.checkpoint


def test_default_checkpoint_dir_is_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.setenv("COLLAPSE_CACHE_DIR", str(tmp_path))
    assert cl.lm.default_checkpoint_dir() == tmp_path / "lm"
    monkeypatch.delenv("COLLAPSE_CACHE_DIR")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(cl.__file__)))
    assert not str(cl.lm.default_checkpoint_dir()).startswith(repo)


def test_ddp_two_gloo_processes_see_the_same_loss(tmp_path):
    """torchrun, 2 CPU processes (gloo): both ranks log the same all-reduced losses and end with the same
    weights, and (same global batch, averaged gradients) match a single-process run."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    args = ["-m", "collapse_lib.lm", "train", "--steps", "3", "--batch", "4", "--device", "cpu"]
    ddp = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            *args,
            "--out",
            str(tmp_path / "ddp"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    r0, r1 = (json.loads((tmp_path / "ddp" / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2
    assert r0["train_loss"] == r1["train_loss"] and r0["eval_loss"] == r1["eval_loss"]
    assert r0["checksum"] == r1["checksum"]
    from collapse_lib.lm.__main__ import main

    assert main(args[2:] + ["--out", str(tmp_path / "single")]) == 0
    single = json.loads((tmp_path / "single" / "rank0.json").read_text())
    np.testing.assert_allclose(r0["train_loss"], single["train_loss"], rtol=1e-5)
    np.testing.assert_allclose(r0["eval_loss"], single["eval_loss"], rtol=1e-5)
    assert r0["checksum"] == pytest.approx(single["checksum"], rel=1e-5)


# ---------------------------------------------------------------- Figure 8 recipe
@pytest.fixture(scope="module")
def recorded():
    """The smoke-scale Figure 8 table, with the evaluation streams and sampling prompts the run used."""
    import collapse_lib.lm.experiment as E

    evals, prompts = [], []
    real_train, real_generate = E._train, E.generate

    def spy_train(label, model_cfg, stream, tcfg, eval_stream, *a, **k):
        evals.append(np.asarray(eval_stream).copy())
        return real_train(label, model_cfg, stream, tcfg, eval_stream, *a, **k)

    def spy_generate(*a, **k):
        prompts.append(np.asarray(k["prompt"]).copy())
        return real_generate(*a, **k)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(E, "_train", spy_train)
        mp.setattr(E, "generate", spy_generate)
        table = fig8.compute(scale="smoke", seed=0)
    return table, evals, prompts


@pytest.fixture(scope="module")
def table(recorded):
    return recorded[0]


def test_fig8_evaluates_on_held_out_real_stories_only(recorded):
    """Every run (weak generator included) is scored on one stream: a window of the held-out real stories,
    drawn with their own seed; the sampling prompts come from the training stories, never the held-out ones."""
    from collapse_lib.lm.experiment import _seed, held_out_stream, real_documents

    _, evals, prompts = recorded
    cfg = fig8.config("smoke")
    T = cfg["context"]
    held = real_documents(cfg["eval_tokens"] + T + 1, _seed(0, 2), TOK, G)
    expected = held_out_stream(held, cfg["eval_tokens"], T // 3)
    assert len(evals) >= len(cfg["fractions"]) + len(cfg["depths"])
    for e in evals:
        np.testing.assert_array_equal(e, expected)
    # the whole stories inside the stream are real: the grammar parses each of them
    inner = np.split(expected, np.flatnonzero(expected == TOK.eos_id) + 1)[1:-1]
    assert inner and all(G.log_prob([TOK.itos[i] for i in d[:-1]]) < 0 for d in inner)
    train_docs = real_documents(cfg["steps"] * cfg["batch"] * T + 1, _seed(0, 1), TOK, G)
    assert prompts
    for pr in prompts:
        np.testing.assert_array_equal(pr, train_docs[0][-(T // 4) :])


def test_fig8_table_has_every_run(table):
    cfg = fig8.config("smoke")
    cur = table[table.kind == "curve"]
    left = cur[cur.panel == "fraction"]
    assert sorted(left.p_syn.unique()) == sorted(cfg["fractions"])
    assert 0.001 in set(left.p_syn) and 1.0 in set(left.p_syn)  # the paper's range, 0.001 up to 1
    assert sorted(cur[cur.panel == "unfiltered"].p_syn.unique()) == sorted(cfg["unfiltered_fractions"])
    depth = cur[cur.panel == "depth"]
    assert sorted(depth.depth.unique()) == sorted(cfg["depths"]) and len(cfg["depths"]) >= 4
    assert set(depth.p_syn) == {1.0} == {cfg["p_depth"]}  # the paper's model-size setting: synthetic only
    assert cur[cur.panel == "replicate"].run.nunique() == cfg["replicates"]
    assert np.all(np.isfinite(cur.loss)) and np.all(cur.loss > fig8.floor(table))
    assert fig8.floor(table) == pytest.approx(G.entropy_per_token())
    assert left.tokens.max() == cfg["steps"] * cfg["batch"] * cfg["context"]
    for _, g in left.groupby("p_syn"):  # learning curves go down
        assert g.sort_values("tokens").loss.iloc[-1] < g.sort_values("tokens").loss.iloc[0]
    assert np.isfinite(fig8.weak_loss(table))
    sources = set(table[table.kind == "sample"].source)
    assert {"real corpus", "weak generator", "weak generator, kept by the filter", "trained GPT, p = 0"} <= sources


def test_fig8_filter_statistics(table):
    st = fig8.filter_stats(table)
    assert 0 <= st["threshold"] <= 1 and 0.5 <= st["kept_story_share"] <= 1  # the better half (ties kept)
    assert st["score_kept"] >= st["threshold"] and st["score_kept"] >= st["score_raw"]
    assert st["score_real"] > 0.9  # held-out real stories against the reference trigrams
    for k in ("parse_share_raw", "parse_share_kept", "grammatical_share_raw", "grammatical_share_kept"):
        assert 0 <= st[k] <= 1
    fs = fig8.filter_summary(table)
    assert list(fs.p_syn) == sorted(fig8.config("smoke")["unfiltered_fractions"])
    np.testing.assert_allclose(fs.difference, fs.unfiltered - fs.filtered)


def test_fig8_is_seeded(table):
    again = fig8.compute(scale="smoke", seed=0)
    cur = lambda t: t[t.kind == "curve"].loss.to_numpy()  # noqa: E731
    np.testing.assert_array_equal(cur(again), cur(table))


def test_fig8_summary_and_plot(table):
    s = fig8.summary(table)
    assert list(s.p_syn) == sorted(fig8.config("smoke")["fractions"])
    assert s.gap_to_clean.iloc[0] == 0 and np.all(np.isfinite(s.alpha))
    d = fig8.depth_summary(table)
    assert set(d.best) <= {c for c in d.columns if c.startswith("depth")}
    assert s.seed_spread.iloc[0] >= 0
    order = fig8.depth_order(table)
    assert order["best_final"] in fig8.config("smoke")["depths"]
    assert ("does not flip" in fig8.depth_order_sentence(order)) != order["flipped"]
    fig = fig8.plot(table)
    assert len(fig.axes) == 4

    def legend_texts(ax):  # each panel's legend sits below it, in the panel's subfigure
        return [t.get_text() for lg in ax.get_figure(root=False).legends for t in lg.get_texts()]

    for ax in fig.axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert "tokens" in ax.get_xlabel() and "loss" in ax.get_ylabel()
        assert legend_texts(ax)
    for ax in fig.axes[0::2]:  # per column, first the real loss with the entropy floor
        assert any("entropy floor" in t for t in legend_texts(ax))
    assert any("unfiltered" in t for t in legend_texts(fig.axes[0]))
    for ax in fig.axes[1::2]:  # then the reducible loss with fitted exponents
        assert any("fit α" in t for t in legend_texts(ax))
    matplotlib.pyplot.close(fig)


def _depth_table(losses, tokens=(1e3, 1e4, 1e5, 1e6)):
    """A synthetic Figure 8 table: only the right panel (depth → losses at ``tokens``) and the floor."""
    rows = [dict(kind="floor", loss=0.5, tokens=80.0)]
    for depth, ls in losses.items():
        rows += [
            dict(kind="curve", panel="depth", run=f"d{depth}", p_syn=1.0, depth=depth, tokens=t, loss=lo)
            for t, lo in zip(tokens, ls)
        ]
    import pandas as pd

    return pd.DataFrame(rows)


def test_depth_order_sees_the_papers_flip():
    """Deeper better early, shallower better late (the paper's pattern): a flip, dated, with the final winner."""
    t = _depth_table({1: [3.0, 2.0, 1.40, 1.20], 2: [2.9, 1.9, 1.38, 1.25], 4: [2.8, 1.8, 1.39, 1.30]})
    o = fig8.depth_order(t, noise=0.01)
    assert o["flipped"] and o["best_final"] == 1 and o["final_tokens"] == 1e6
    pairs = {(f["deep"], f["shallow"]) for f in o["flips"]}
    assert pairs == {(2, 1), (4, 1), (4, 2)}
    f41 = next(f for f in o["flips"] if (f["deep"], f["shallow"]) == (4, 1))
    assert f41["deep_ahead_at"] == 1e3 and f41["shallow_ahead_from"] == 1e6
    assert f41["final_gap"] == pytest.approx(0.10) and f41["shallow_lead"] == pytest.approx(0.10)
    text = fig8.depth_order_sentence(o)
    assert text.startswith("The order flips at our scale") and "does not" not in text
    assert "the 4-layer model was ahead of the 1-layer model at 1,000 tokens" in text  # the largest lead: (4, 1)
    assert "still ahead by 0.100" in text and "the 1-layer model has the lowest loss" in text


def test_depth_order_noise_defaults_to_the_spread_at_each_point():
    """With a repeated clean run, the noise at each point is the clean runs' spread there (log-interpolated)."""
    import pandas as pd

    t = _depth_table({1: [3.0, 2.0, 1.40, 1.20], 4: [2.8, 1.8, 1.39, 1.30]})
    clean = [
        dict(kind="curve", panel="fraction", p_syn=0.0, depth=2, tokens=x, loss=lo, run="c")
        for x, lo in zip((1e3, 1e4, 1e5, 1e6), (2.5, 1.5, 1.2, 1.0))
    ]
    rep = [
        dict(kind="curve", panel="replicate", p_syn=0.0, depth=2, tokens=x, loss=lo, run="r")
        for x, lo in zip((1e3, 1e6), (2.8, 1.05))
    ]  # the repeat is evaluated at two points only
    t = pd.concat([t, pd.DataFrame(clean + rep)], ignore_index=True)
    sp = fig8.seed_spread_curve(t)
    assert list(sp.index) == [1e3, 1e6]  # only where every run was evaluated
    np.testing.assert_allclose(sp, [0.3, 0.05])
    assert fig8.seed_spread(t) == pytest.approx(0.05)
    o = fig8.depth_order(t)
    assert o["final_noise"] == pytest.approx(0.05) and o["noise"][0] == pytest.approx(0.3)
    # between, log-linear: 0.3 − 0.25/3 at 10⁴ tokens
    assert o["noise"][1] == pytest.approx(0.3 - 0.25 / 3)
    # 4 layers lead by 0.2 at 10³ and 10⁴ tokens, within the noise there: no early lead, so no flip
    assert not o["flipped"]


def test_depth_order_flip_that_fades_by_the_end():
    """The shallow model pulls ahead in the middle, then the curves meet again within the noise."""
    t = _depth_table({1: [3.0, 1.70, 1.500, 1.300], 8: [2.8, 1.75, 1.530, 1.301]})
    o = fig8.depth_order(t, noise=0.01)
    (f,) = o["flips"]
    assert f["shallow_ahead_from"] == 1e4 and f["shallow_lead"] == pytest.approx(0.05)
    assert f["shallow_lead_at"] == 1e4 and f["final_gap"] == pytest.approx(0.001)
    text = fig8.depth_order_sentence(o)
    assert "by up to 0.050 nats/token (at 10,000 tokens)" in text and "within the noise (0.0100" in text


def test_filter_sentence_is_derived_from_the_differences():
    import pandas as pd

    fs = pd.DataFrame(dict(p_syn=[0.1, 0.5, 1.0], filtered=[1.0, 1.1, 1.5], unfiltered=[1.002, 1.2, 1.4]))
    fs["difference"] = fs.unfiltered - fs.filtered
    text = fig8.filter_sentence(fs, noise=0.005)
    assert text.startswith("The filter lowers the final real loss at 1 of the 3 fractions")
    assert "p = 0.1 the two end 0.002 nats/token apart, within the run-to-run noise" in text
    assert "p = 0.5 the filtered stories end 0.100 nats/token lower" in text
    assert "p = 1 the filtered stories end 0.100 nats/token higher" in text
    assert fig8.filter_sentence(fs.iloc[:1], noise=float("nan")).startswith(
        "The filter lowers the final real loss at 1"
    )
    assert "none" in fig8.filter_sentence(fs.iloc[2:], noise=0.0)


def test_depth_order_without_a_flip():
    deeper_wins = _depth_table({1: [3.0, 2.0, 1.5, 1.3], 2: [2.9, 1.9, 1.4, 1.2], 4: [2.8, 1.8, 1.3, 1.1]})
    o = fig8.depth_order(deeper_wins)  # no replicate in the table: noise 0
    assert not o["flipped"] and o["best_final"] == 4 and o["final_noise"] == 0 and not np.any(o["noise"])
    assert fig8.depth_order_sentence(o).startswith("The order does not flip")
    # shallower first, deeper later is the opposite of the paper's pattern: not a flip
    catch_up = _depth_table({1: [2.0, 1.5, 1.4, 1.35], 4: [2.5, 1.6, 1.3, 1.2]})
    assert not fig8.depth_order(catch_up, noise=0.0)["flipped"]
    # a crossing smaller than the noise does not count
    noisy = _depth_table({1: [3.0, 2.0, 1.500, 1.301], 4: [2.99, 1.995, 1.499, 1.303]})
    assert fig8.depth_order(noisy, noise=0.0)["flipped"]
    assert not fig8.depth_order(noisy, noise=0.02)["flipped"]


def test_fit_scaling_recovers_a_known_exponent():
    from collapse_lib.lm.experiment import fit_scaling

    t = np.geomspace(1e3, 1e6, 12)
    alpha, a = fit_scaling(t, 0.5 + 7.0 * t**-0.3, floor=0.5)
    assert alpha == pytest.approx(0.3, rel=1e-9) and a == pytest.approx(7.0, rel=1e-9)
