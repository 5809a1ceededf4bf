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
from collapse_lib.lm import GPTConfig, TrainConfig, analysis, build, generate, lr_at, train  # noqa: E402
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


@pytest.mark.slow
@pytest.mark.ddp
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
    """Every run (generator included) is scored on one stream: a window of the held-out real stories,
    drawn with their own seed; the sampling prompts come from the training stories, never the held-out ones."""
    from collapse_lib.lm.experiment import _seed, held_out_stream, real_documents

    _, evals, prompts = recorded
    cfg = fig8.config("smoke")
    T = cfg["context"]
    held = real_documents(cfg["eval_tokens"] + T + 1, _seed(0, 2), TOK, G)
    expected = held_out_stream(held, cfg["eval_tokens"], T // 3)
    assert len(evals) >= len(cfg["fractions"]) * cfg["replicates"]
    for e in evals:
        np.testing.assert_array_equal(e, expected)
    # the whole stories inside the stream are real: the grammar parses each of them
    inner = np.split(expected, np.flatnonzero(expected == TOK.eos_id) + 1)[1:-1]
    assert inner and all(G.log_prob([TOK.itos[i] for i in d[:-1]]) < 0 for d in inner)
    train_docs = real_documents(cfg["steps"] * cfg["batch"] * T + 1, _seed(0, 1), TOK, G)
    assert prompts
    for pr in prompts:
        np.testing.assert_array_equal(pr, train_docs[0][-(T // 4) :])


def test_fig8_table_has_every_run_replicated(table):
    cfg = fig8.config("smoke")
    cur = table[table.kind == "curve"]
    left = cur[cur.panel == "fraction"]
    assert sorted(left.p_syn.unique()) == sorted(cfg["fractions"])
    assert sorted(cur[cur.panel == "teacher"].p_syn.unique()) == sorted(cfg["teacher"]["fractions"])
    assert sorted(cur[cur.panel == "unfiltered"].p_syn.unique()) == sorted(cfg["unfiltered_fractions"])
    depth = cur[cur.panel == "depth"]
    assert sorted(depth.depth.unique()) == sorted(cfg["depths"])
    assert sorted(depth.p_syn.unique()) == sorted(cfg["depth_fractions"])
    for _, g in cur.groupby(["panel", "p_syn", "depth"]):  # every curve, every replicate, the same points
        assert sorted(g.replicate.unique()) == list(range(cfg["replicates"]))
        assert g.groupby("replicate").tokens.apply(tuple).nunique() == 1
    # replicates differ (other initial weights and order), the p = 0 runs are shared by every panel
    reps = left[left.p_syn == 0].pivot_table(index="tokens", columns="replicate", values="loss")
    assert not np.allclose(reps[0], reps[1])
    d0 = depth[(depth.p_syn == 0) & (depth.depth == cfg["depth"])].sort_values(["replicate", "tokens"]).loss
    np.testing.assert_array_equal(d0, left[left.p_syn == 0].sort_values(["replicate", "tokens"]).loss)
    assert np.all(np.isfinite(cur.loss)) and np.all(cur.loss > analysis.floor(table))
    assert analysis.floor(table) == pytest.approx(G.entropy_per_token())
    assert left.tokens.max() == cfg["steps"] * cfg["batch"] * cfg["context"]
    assert analysis.warmup_tokens(table) == cfg["warmup"] * cfg["batch"] * cfg["context"]
    sources = set(table[table.kind == "sample"].source)
    assert {"real corpus", "GPT generator", "teacher grammar", "trained GPT, p = 0"} <= sources


def test_fig8_sources_quality(table):
    """The teacher grammar's KL is the exact one; the generator's is its real loss minus the floor;
    the mixture KLs lie under −log(1 − p) per story and reach the exact KL at p = 1 within the noise."""
    cfg = fig8.config("smoke")
    kl = analysis.source_kl(table)
    Q = cl.lm.teacher_grammar(cfg["teacher"]["eta"], seed=cfg["teacher"]["seed"])
    assert kl["teacher"] == cl.lm.grammar_kl(G, Q)
    assert kl["gpt"] == pytest.approx(analysis.generator_loss(table) - analysis.floor(table))
    m = analysis.mixture_kl(table)
    assert list(m.p_syn) == sorted(cfg["teacher"]["fractions"])
    for r in m.itertuples():
        if r.p_syn < 1:
            assert r.kl <= -np.log1p(-r.p_syn) / analysis.story_tokens(table)
        else:
            assert abs(r.kl - kl["teacher"]) < 4 * r.stderr
    s = analysis.summary(table, "teacher")
    assert s.limit.iloc[-1] == pytest.approx(analysis.floor(table) + kl["teacher"])


def test_fig8_filter_statistics(table):
    st = analysis.filter_stats(table)
    assert 0 <= st["threshold"] <= 1 and 0.5 <= st["kept_story_share"] <= 1  # the better half (ties kept)
    assert st["score_kept"] >= st["threshold"] and st["score_kept"] >= st["score_raw"]
    assert st["score_real"] > 0.9  # held-out real stories against the reference trigrams
    for k in ("parse_share_raw", "parse_share_kept", "grammatical_share_raw", "grammatical_share_kept"):
        assert 0 <= st[k] <= 1
    fs = analysis.filter_summary(table)
    assert list(fs.p_syn) == sorted(fig8.config("smoke")["unfiltered_fractions"])
    np.testing.assert_allclose(fs.difference, fs.unfiltered - fs.filtered)


@pytest.fixture(scope="module")
def resumed(tmp_path_factory):
    """The smoke-scale Figure 8, seed 0, computed again into a fresh cell cache: first shard 0 of 2 alone, then the
    whole figure resuming from that cache: ``(table, runs trained by the shard, runs trained when resuming)``."""
    import collapse_lib.lm.experiment as E

    trained = {"shard": 0, "resume": 0}
    real_train = E._train
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLLAPSE_CACHE_DIR", str(tmp_path_factory.mktemp("cells")))
        for stage, shard in (("shard", (0, 2)), ("resume", None)):

            def counting_train(*a, stage=stage, **k):
                trained[stage] += 1
                return real_train(*a, **k)

            mp.setattr(E, "_train", counting_train)
            out = fig8.compute(scale="smoke", resume=True, shard=shard)
        assert out is not None
    return out, trained["shard"], trained["resume"]


def _curves_of(t):
    return t[t.kind == "curve"].sort_values(["panel", "p_syn", "depth", "replicate", "tokens"]).loss.to_numpy()


@pytest.mark.slow
def test_fig8_is_seeded(table, resumed):
    """Seed 0 gives the same losses in a whole run and in a run made of a shard and a resumed rest."""
    np.testing.assert_array_equal(_curves_of(resumed[0]), _curves_of(table))


@pytest.mark.slow
def test_fig8_resumes_from_the_cell_cache(recorded, resumed):
    """Resuming after shard 0 of 2 trains only the runs that shard did not: together, each run once."""
    _, evals, _ = recorded  # one evaluation stream per run trained by the whole run
    _, by_shard, by_resume = resumed
    assert 0 < by_shard < len(evals) and by_shard + by_resume == len(evals)


def test_fig8_summary_and_plot(table):
    s = analysis.summary(table)
    assert list(s.p_syn) == sorted(fig8.config("smoke")["fractions"])
    assert s.gap_to_clean.iloc[0] == 0 and not s.gap_resolved.iloc[0]
    assert np.all(s.spread >= 0) and np.all(s.n == fig8.config("smoke")["replicates"])
    fig = fig8.plot(table)
    assert len(fig.axes) == 4

    def legend_texts(ax):  # each panel's legend sits below it, in the panel's subfigure
        return [t.get_text() for lg in ax.get_figure(root=False).legends for t in lg.get_texts()]

    for ax in fig.axes[:3]:
        assert ax.get_xscale() == "log" and "tokens" in ax.get_xlabel() and "loss" in ax.get_ylabel()
        assert any("entropy floor" in t for t in legend_texts(ax))
        assert any("warm-up" in t for t in legend_texts(ax))
    assert any("H + KL" in t for t in legend_texts(fig.axes[1]))
    assert "depth" in fig.axes[3].get_xlabel() and "loss" in fig.axes[3].get_ylabel()
    matplotlib.pyplot.close(fig)


def _curves(spec, tokens=(1e3, 1e4, 1e5, 1e6), warmup=5e2, panel="depth"):
    """A synthetic Figure 8 table: ``{(p, depth): [losses per replicate at tokens]}``, the floor and the warm-up."""
    import pandas as pd

    rows = [dict(kind="floor", loss=0.5, tokens=80.0), dict(kind="info", run="warmup_tokens", loss=warmup)]
    for (p, depth), reps in spec.items():
        for r, ls in enumerate(reps):
            rows += [
                dict(kind="curve", panel=panel, run=f"p{p} d{depth} r{r}", p_syn=p, depth=depth, replicate=r,
                     tokens=t, loss=lo)
                for t, lo in zip(tokens, ls)
            ]  # fmt: skip
    return pd.DataFrame(rows)


def test_depth_order_needs_twice_the_seed_spread():
    """Three replicates per depth: a final difference of 0.10 with spreads 0.02 is resolved; 0.03 is not."""
    t = _curves({
        (1.0, 1): [[3.0, 2.0, 1.40, 1.20], [3.1, 2.1, 1.41, 1.21], [3.0, 2.0, 1.42, 1.22]],
        (1.0, 2): [[2.9, 1.9, 1.38, 1.23], [2.9, 1.9, 1.39, 1.24], [2.9, 1.9, 1.40, 1.25]],
        (1.0, 4): [[2.7, 1.7, 1.39, 1.30], [2.7, 1.7, 1.40, 1.31], [2.7, 1.7, 1.41, 1.32]],
    })  # fmt: skip
    o = analysis.depth_order(t, 1.0)
    assert o["best"] == 1 and o["final_tokens"] == 1e6
    ahead = {(a["shallow"], a["deep"]): a["diff"] for a in o["ahead"]}
    assert set(ahead) == {(1, 4), (2, 4)}  # 1 vs 2: 0.03 apart, spreads 0.02: not resolved
    assert ahead[(1, 4)] == pytest.approx(0.10)
    assert {(f["shallow"], f["deep"]) for f in o["flips"]} == {(1, 4), (2, 4)}
    text = analysis.depth_sentence(o)
    assert "the order flips" in text and "1 layers beat 4 by 0.100" in text and "largest seed spread 0.020" in text


def test_depth_order_ignores_the_warm_up_and_says_when_indistinguishable():
    """A lead inside the warm-up is no lead; differences within twice the spread give 'indistinguishable'."""
    t = _curves(
        {(0.0, 1): [[3.0, 1.50, 1.30], [3.0, 1.52, 1.32], [3.0, 1.51, 1.31]],
         (0.0, 8): [[2.0, 1.55, 1.31], [2.0, 1.57, 1.33], [2.0, 1.56, 1.32]]},
        tokens=(1e3, 1e4, 1e5), warmup=2e3,
    )  # fmt: skip
    o = analysis.depth_order(t, 0.0)
    assert not o["flips"] and not o["ahead"]
    assert "indistinguishable at our scale" in analysis.depth_sentence(o)
    with pytest.raises(ValueError, match="p"):
        analysis.depth_order(t, 0.5)


def test_gap_and_filter_sentences_are_derived_from_the_data():
    import pandas as pd

    s = pd.DataFrame(dict(p_syn=[0.0, 0.01, 0.5], final_loss=[1.0, 1.004, 1.1], spread=[0.01, 0.01, 0.01], n=[3, 3, 3],
                          gap_to_clean=[0.0, 0.004, 0.1], gap_resolved=[False, False, True]))  # fmt: skip
    text = analysis.gap_sentence(s, "GPT generator")
    assert "(3 runs per fraction)" in text and "beyond the noise at p = 0.5 (+0.100, spread 0.010)" in text
    assert "at p = 0.01 (+0.004) the final loss is within twice the seed spread" in text
    fs = pd.DataFrame(dict(p_syn=[0.1, 0.5, 1.0], filtered=[1.0, 1.1, 1.5], unfiltered=[1.002, 1.2, 1.4]))
    fs["difference"] = fs.unfiltered - fs.filtered
    fs["resolved"] = [False, True, True]
    text = analysis.filter_sentence(fs)
    assert text.startswith("The filter lowers the final real loss beyond the noise at 1 of the 3 fractions")
    assert "p = 0.1 the two end 0.002 nats/token apart, within the noise" in text
    assert "p = 0.5 the filtered stories end 0.100 nats/token lower" in text
    assert "p = 1 the filtered stories end 0.100 nats/token higher" in text
    assert analysis.resolved(0.05, 0.02, 0.01) and not analysis.resolved(0.04, 0.02, 0.01)


def test_depth_contrast_sentence_claims_a_change_only_beyond_the_noise():
    spec = {
        (0.0, 1): [[3.0, 2.0, 1.40]] * 2 + [[3.0, 2.0, 1.42]],
        (0.0, 8): [[2.9, 1.9, 1.20]] * 2 + [[2.9, 1.9, 1.21]],
        (1.0, 1): [[3.0, 2.0, 1.60]] * 2 + [[3.0, 2.0, 1.61]],
        (1.0, 8): [[2.9, 1.9, 1.55]] * 2 + [[2.9, 1.9, 1.56]],
    }
    text = analysis.depth_contrast_sentence(_curves(spec, tokens=(1e3, 1e4, 1e5)))
    assert "+0.203 at p = 0, +0.050 at p = 1" in text  # means: 1.4067 - 1.2033 and 1.6033 - 1.5533
    assert "depth helps less than without them, by 0.153" in text and "no order flips" in text
    spec[(1.0, 8)] = [[2.9, 1.9, 1.40]] * 2 + [[2.9, 1.9, 1.60]]  # a spread of 0.2: the change is not resolved
    text = analysis.depth_contrast_sentence(_curves(spec, tokens=(1e3, 1e4, 1e5)))
    assert "not resolved at our scale" in text
