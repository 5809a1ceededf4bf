"""What the Figure 8 table says: means and spreads over replicates, gaps, orders, and sentences derived from them.

The table is the one :func:`collapse_lib.lm.experiment.run` returns. Every learning curve
is run several times (``replicate`` 0, 1, …: other initial weights and another order of the
same stories). At each evaluation point a curve is summarised by the mean over its
replicates and their *spread* (max − min). The rule for every claim below (ours):

* a difference between two curves at a point is **resolved** when it exceeds twice the
  larger of their two spreads at that point; otherwise the two are indistinguishable at
  our scale;
* points inside the learning-rate warm-up (``tokens ≤ warmup_tokens``) enter no claim.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _validate

#: The columns of the Figure 8 table (:func:`collapse_lib.lm.experiment.run`; checked when a data file is loaded).
COLUMNS = ("kind", "panel", "run", "p_syn", "depth", "replicate", "step", "tokens", "loss", "train_loss", "source",
           "text")  # fmt: skip

FIT_MIN_FRACTION = 1 / 8  # power-law fits use the evaluation points with tokens >= this fraction of the largest


def fit_scaling(tokens, loss, floor: float, min_fraction: float = FIT_MIN_FRACTION) -> tuple[float, float]:
    """Fit ``loss − floor ≈ A · tokens^(−α)`` by least squares in log–log; returns ``(α, A)``.

    Uses the points with ``tokens ≥ min_fraction · max(tokens)`` and
    ``loss > floor``. The exponent of the *reducible* loss: with the exact
    entropy floor known, no third parameter needs fitting.
    """
    floor = _validate.nonnegative_scalar("floor", floor)
    min_fraction = _validate.fraction_scalar("min_fraction", min_fraction)
    t = np.asarray(tokens, dtype=float)
    excess = np.asarray(loss, dtype=float) - floor
    keep = (t >= min_fraction * t.max()) & (excess > 0)
    if keep.sum() < 2:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(np.log(t[keep]), np.log(excess[keep]), 1)
    return float(-slope), float(np.exp(intercept))


RESOLVE = 2.0  # a difference is resolved when it exceeds RESOLVE × the larger seed spread of the two curves


def floor(table) -> float:
    """The entropy floor H (nats per token) of the real grammar."""
    return float(table.loc[table.kind == "floor", "loss"].iloc[0])


def story_tokens(table) -> float:
    """Expected tokens per real story (end marker counted)."""
    return float(table.loc[table.kind == "floor", "tokens"].iloc[0])


def _info(table, name: str) -> float:
    row = table[(table.kind == "info") & (table.run == name)]
    return float(row.loss.iloc[0]) if len(row) else float("nan")


def warmup_tokens(table) -> float:
    """Tokens seen by the end of the learning-rate warm-up (points up to it enter no claim)."""
    return _info(table, "warmup_tokens")


def generator_loss(table) -> float:
    """The GPT generator's real test loss at the end of its training (its quality: loss − H = KL per token)."""
    w = table[table.kind == "weak"]
    return float(w.loc[w.step.idxmax(), "loss"])


def source_kl(table) -> dict:
    """KL(P ‖ Q) per token of each synthetic source: ``{"gpt": …, "teacher": …}``.

    Exact for the teacher grammar (:func:`collapse_lib.lm.teacher.grammar_kl`); for the GPT
    generator its real test loss minus the entropy floor (the cross-entropy is H + KL).
    """
    s = table[table.kind == "source"]
    return {r.run: float(r.loss) for r in s.itertuples()}


def source_name(table, source: str) -> str:
    s = table[(table.kind == "source") & (table.run == source)]
    return str(s.source.iloc[0]) if len(s) else source


def mixture_kl(table) -> pd.DataFrame:
    """KL(P ‖ (1 − p) P + p Q) per token for the teacher grammar, by fraction p: columns ``p_syn, kl, stderr``."""
    m = table[table.kind == "mixture_kl"].sort_values("p_syn")
    return pd.DataFrame(
        dict(p_syn=m.p_syn.to_numpy(float), kl=m.loss.to_numpy(float), stderr=m.train_loss.to_numpy(float))
    )


def curves(table, panel: str, by: str = "p_syn") -> pd.DataFrame:
    """Mean, min, max and spread over replicates of one panel's curves, per value of ``by`` and tokens seen.

    ``panel``: ``"fraction"``, ``"teacher"``, ``"unfiltered"`` or ``"depth"``; the teacher and
    unfiltered panels include the clean runs (p = 0) of the fraction panel. ``by``: ``"p_syn"`` or
    ``"depth"`` (the depth panel is grouped by both). Columns: the group keys, ``tokens``,
    ``mean``, ``lo``, ``hi``, ``spread`` and ``n`` (replicates).
    """
    if panel not in ("fraction", "teacher", "unfiltered", "depth"):
        raise ValueError(f"panel must be fraction, teacher, unfiltered or depth, got {panel!r}")
    cur = table[table.kind == "curve"]
    sub = cur[cur.panel == panel]
    if panel in ("teacher", "unfiltered"):
        main_depth = int(sub.depth.iloc[0]) if len(sub) else None
        clean = cur[(cur.panel == "fraction") & (cur.p_syn == 0) & (cur.depth == main_depth)]
        sub = pd.concat([clean, sub])
    keys = ["p_syn", "depth"] if panel == "depth" else [by]
    g = sub.groupby(keys + ["tokens"]).loss
    out = g.agg(mean="mean", lo="min", hi="max", n="count").reset_index()
    out["spread"] = out.hi - out.lo
    return out


def _final(c: pd.DataFrame, keys) -> pd.DataFrame:
    last = c.tokens == c.groupby(keys).tokens.transform("max")
    return c[last].set_index(keys)


def resolved(diff: float, spread_a: float, spread_b: float) -> bool:
    """Is the difference of two means beyond the noise: |diff| > RESOLVE × max(spread_a, spread_b)?"""
    return bool(abs(diff) > RESOLVE * max(spread_a, spread_b))


def summary(table, panel: str = "fraction") -> pd.DataFrame:
    """Per synthetic fraction p at the largest budget (panel ``fraction`` or ``teacher``).

    Columns: ``final_loss`` (mean over replicates), ``spread``, ``n``; ``gap_to_clean`` (final
    loss − the clean run's) and ``gap_resolved`` (:func:`resolved`); ``alpha``, the fitted exponent
    of the mean reducible loss (:func:`fit_scaling`); ``limit`` — for the
    teacher grammar H + KL(P‖M_p), the loss of a learner that represents the mixture and has
    unlimited data; for the GPT generator the upper bound H − log(1 − p)/E[tokens per story] of the
    same quantity.
    """
    h = floor(table)
    c = curves(table, panel)
    fin = _final(c, ["p_syn"])
    clean = fin.loc[0.0] if 0.0 in fin.index else None
    mk = mixture_kl(table).set_index("p_syn").kl if panel == "teacher" else None
    kl = source_kl(table).get("teacher" if panel == "teacher" else "gpt", np.nan)
    rows = []
    for p, r in fin.iterrows():
        g = c[c.p_syn == p].sort_values("tokens")
        alpha, _ = fit_scaling(g.tokens, g["mean"], h)
        if p == 0:
            limit = h
        elif panel == "teacher":
            limit = h + (kl if p == 1 else float(mk.get(p, np.nan)))
        else:
            limit = h + kl if p == 1 else h - np.log1p(-p) / story_tokens(table)
        gap = r["mean"] - clean["mean"] if clean is not None else np.nan
        ok = clean is not None and p > 0 and resolved(gap, r.spread, clean.spread)
        rows.append(dict(p_syn=p, final_tokens=float(g.tokens.iloc[-1]), final_loss=r["mean"],
                         spread=r.spread, n=int(r.n), gap_to_clean=gap, gap_resolved=ok, alpha=alpha, limit=limit))  # fmt: skip
    return pd.DataFrame(rows).sort_values("p_syn").reset_index(drop=True)


def gap_sentence(s: pd.DataFrame, source: str) -> str:
    """Which fractions end above the clean run beyond the noise, from :func:`summary` (derived, not typed)."""
    s = s[s.p_syn > 0]
    if not len(s):
        return f"No run used the {source}'s stories."
    res, unres = s[s.gap_resolved], s[~s.gap_resolved]
    n = int(s.n.min())
    parts = []
    if len(res):
        parts.append(
            "the real loss ends above the clean run's beyond the noise at p = "
            + ", ".join(f"{r.p_syn:g} (+{r.gap_to_clean:.3f}, spread {r.spread:.3f})" for r in res.itertuples())
        )
    if len(unres):
        parts.append(
            "at p = "
            + ", ".join(f"{r.p_syn:g} ({r.gap_to_clean:+.3f})" for r in unres.itertuples())
            + " the final loss is within twice the seed spread of the clean run's: indistinguishable at our scale"
        )
    return f"With the {source}'s stories ({n} runs per fraction), " + "; ".join(parts) + "."


def depth_table(table, p: float) -> pd.DataFrame:
    """The depth panel at fraction ``p``: per evaluation point after the warm-up, mean and spread per depth."""
    p = _validate.fraction_scalar("p", p)
    c = curves(table, "depth")
    c = c[(c.p_syn == p) & (c.tokens > warmup_tokens(table))]
    if not len(c):
        raise ValueError(f"p: the depth panel has no runs at p = {p:g}")
    return c


def depth_order(table, p: float) -> dict:
    """The model-size order at fraction ``p``, claimed only beyond the noise (module docstring).

    Returns ``final_tokens``; ``final`` — per depth the mean final loss and spread; ``best`` —
    the depth of lowest mean final loss; ``ahead`` — the pairs (shallow, deep) whose final
    difference is resolved, with the difference (deep − shallow; < 0: the deeper is better);
    ``flips`` — pairs where the deeper model is ahead (resolved) at some point after the warm-up
    and the shallower ahead (resolved) at a later one.
    """
    c = depth_table(table, p)
    depths = sorted(int(d) for d in c.depth.unique())
    wide = {d: c[c.depth == d].set_index("tokens").sort_index() for d in depths}
    tokens = sorted(set.intersection(*(set(w.index) for w in wide.values())))
    n_final = tokens[-1]
    final = {d: (float(wide[d].loc[n_final, "mean"]), float(wide[d].loc[n_final, "spread"])) for d in depths}
    ahead, flips = [], []
    for i, a in enumerate(depths):
        for b in depths[i + 1 :]:
            diff = final[b][0] - final[a][0]
            if resolved(diff, final[a][1], final[b][1]):
                ahead.append(dict(shallow=a, deep=b, diff=diff))
            d = np.array([wide[b].loc[t, "mean"] - wide[a].loc[t, "mean"] for t in tokens])
            noise = np.array([RESOLVE * max(wide[a].loc[t, "spread"], wide[b].loc[t, "spread"]) for t in tokens])
            deep_ahead = np.flatnonzero(d < -noise)
            if len(deep_ahead):
                later = np.flatnonzero((d > noise) & (np.arange(len(d)) > deep_ahead[0]))
                if len(later):
                    flips.append(dict(shallow=a, deep=b, deep_ahead_at=tokens[deep_ahead[0]],
                                      shallow_ahead_from=tokens[later[0]]))  # fmt: skip
    best = min(depths, key=lambda d: final[d][0])
    return dict(p=p, final_tokens=float(n_final), final=final, best=best, ahead=ahead, flips=flips, depths=depths)


def depth_sentence(order: dict) -> str:
    """One sentence on the model-size order at one fraction, derived from :func:`depth_order`."""
    p, n, final = order["p"], order["final_tokens"], order["final"]
    spread = max(s for _, s in final.values())
    losses = ", ".join(f"{final[d][0]:.3f}" for d in order["depths"])
    head = (f"At p = {p:g}, after {n:,.0f} tokens the depths {', '.join(map(str, order['depths']))} reach "
            f"{losses} nats/token (largest seed spread {spread:.3f})")  # fmt: skip
    if order["flips"]:
        f = order["flips"][-1]
        head += (f"; the {f['deep']}-layer model is ahead of the {f['shallow']}-layer one at "
                 f"{f['deep_ahead_at']:,.0f} tokens and behind it from {f['shallow_ahead_from']:,.0f} tokens, "
                 "both beyond twice the seed spread: the order flips")  # fmt: skip
    if order["ahead"]:
        deeper = [a for a in order["ahead"] if a["diff"] < 0]
        shallower = [a for a in order["ahead"] if a["diff"] > 0]
        bits = [f"{a['deep']} layers beat {a['shallow']} by {-a['diff']:.3f}" for a in deeper]
        bits += [f"{a['shallow']} layers beat {a['deep']} by {a['diff']:.3f}" for a in shallower]
        return head + "; resolved at the largest budget: " + ", ".join(bits) + "."
    return (
        head
        + "; at the largest budget no two depths differ by more than twice the seed spread: indistinguishable at our scale."
    )


def depth_contrast_sentence(table) -> str:
    """What the synthetic data change in the model-size panel, derived from :func:`depth_order` at each fraction.

    For each fraction, the deepest model's lead over the shallowest at the largest budget
    (loss(shallowest) − loss(deepest)); the lead at the largest fraction is called smaller than
    at p = 0 only where the two leads differ by more than twice the largest spread involved.
    """
    cur = table[(table.kind == "curve") & (table.panel == "depth")]
    fracs = sorted(float(p) for p in cur.p_syn.unique())
    orders = {p: depth_order(table, p) for p in fracs}
    lead, spread = {}, {}
    for p, o in orders.items():
        lo, hi = o["depths"][0], o["depths"][-1]
        lead[p] = o["final"][lo][0] - o["final"][hi][0]
        spread[p] = max(o["final"][lo][1], o["final"][hi][1])
    lo, hi = orders[fracs[0]]["depths"][0], orders[fracs[0]]["depths"][-1]
    parts = ", ".join(f"{lead[p]:+.3f} at p = {p:g}" for p in fracs)
    text = f"The {hi}-layer model's lead over the {lo}-layer model at the largest budget: {parts}"
    a, b = fracs[0], fracs[-1]
    diff = lead[a] - lead[b]
    if abs(diff) > RESOLVE * max(spread[a], spread[b]):
        text += (f"; with synthetic stories only (p = {b:g}) depth helps {'less' if diff > 0 else 'more'} than "
                 f"without them, by {abs(diff):.3f} nats/token (beyond twice the largest spread, "
                 f"{max(spread[a], spread[b]):.3f})")  # fmt: skip
    else:
        text += (f"; the leads at p = {a:g} and p = {b:g} differ by {abs(diff):.3f}, within twice the largest spread "
                 f"({max(spread[a], spread[b]):.3f}): what the synthetic stories change in the benefit of depth is "
                 "not resolved at our scale")  # fmt: skip
    best = {p: orders[p]["best"] for p in fracs}
    same = len(set(best.values())) == 1
    flips = any(o["flips"] for o in orders.values())
    text += (". The deepest model has the lowest mean loss at every fraction, and no order flips beyond the noise "
             "at our scale."
             if same and all(b_ == hi for b_ in best.values()) and not flips
             else ". Best depth at the largest budget: " + ", ".join(f"{best[p]} at p = {p:g}" for p in fracs) + ".")  # fmt: skip
    return text


def filter_summary(table) -> pd.DataFrame:
    """Per fraction run with filtered and with unfiltered generator stories: final means, spreads, difference.

    ``difference`` = unfiltered − filtered (> 0: the filter helps), ``resolved`` by :func:`resolved`.
    """
    f = _final(curves(table, "fraction"), ["p_syn"])
    u = _final(curves(table, "unfiltered"), ["p_syn"])
    rows = []
    for p in u.index:
        if p == 0 or p not in f.index:
            continue
        d = u.loc[p, "mean"] - f.loc[p, "mean"]
        rows.append(dict(p_syn=p, filtered=f.loc[p, "mean"], unfiltered=u.loc[p, "mean"], difference=d,
                         resolved=resolved(d, f.loc[p, "spread"], u.loc[p, "spread"])))  # fmt: skip
    return pd.DataFrame(rows, columns=["p_syn", "filtered", "unfiltered", "difference", "resolved"])


def filter_sentence(fs: pd.DataFrame) -> str:
    """What the filter did to the final real loss, from :func:`filter_summary` (derived, not typed)."""
    if not len(fs):
        return "No fraction was run without the filter."
    parts = []
    for r in fs.itertuples():
        if not r.resolved:
            parts.append(f"at p = {r.p_syn:g} the two end {abs(r.difference):.3f} nats/token apart, within the noise")
        elif r.difference > 0:
            parts.append(f"at p = {r.p_syn:g} the filtered stories end {r.difference:.3f} nats/token lower")
        else:
            parts.append(f"at p = {r.p_syn:g} the filtered stories end {-r.difference:.3f} nats/token higher")
    helped = int((fs.resolved & (fs.difference > 0)).sum())
    lead = (
        f"The filter lowers the final real loss beyond the noise at {helped} of the {len(fs)} fractions run both ways"
    )
    return lead + ": " + "; ".join(parts) + "."


def filter_stats(table) -> dict:
    """The quality filter's statistics recorded by the run (threshold, shares kept, scores, parse shares)."""
    f = table[table.kind == "filter"]
    return {r.run: float(r.loss) for r in f.itertuples()}


__all__ = [
    "RESOLVE",
    "curves",
    "depth_contrast_sentence",
    "depth_order",
    "depth_sentence",
    "depth_table",
    "filter_sentence",
    "filter_stats",
    "filter_summary",
    "floor",
    "gap_sentence",
    "generator_loss",
    "mixture_kl",
    "resolved",
    "source_kl",
    "source_name",
    "story_tokens",
    "summary",
    "warmup_tokens",
]
