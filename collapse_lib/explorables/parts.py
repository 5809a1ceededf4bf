"""Building blocks shared by the explorables: controls, snapping, log axes, a hover read-out.

All return Altair objects; every control is a Vega-Lite parameter bound to an
HTML input, which works the same on the static site and in JupyterLab.
"""

from __future__ import annotations

import altair as alt
import numpy as np


def slider(name: str, label: str, lo: float, hi: float, step: float, value: float) -> alt.Parameter:
    """A range input bound to the parameter ``name``; ``value`` must lie on the grid lo + k·step."""
    k = (value - lo) / step
    if not (lo <= value <= hi) or abs(k - round(k)) > 1e-9:
        raise ValueError(f"value {value!r} of slider {name!r} is not on its grid {lo}:{step}:{hi}")
    return alt.param(name=name, value=value, bind=alt.binding_range(min=lo, max=hi, step=step, name=label + " "))


def checkbox(name: str, label: str, value: bool = False) -> alt.Parameter:
    """A checkbox bound to the boolean parameter ``name``."""
    return alt.param(name=name, value=bool(value), bind=alt.binding_checkbox(name=label + " "))


def select(name: str, label: str, options, value, labels=None) -> alt.Parameter:
    """A drop-down of ``options`` (numbers), shown as ``labels``."""
    options = [float(o) if not float(o).is_integer() else int(o) for o in options]
    if value not in options:
        raise ValueError(f"value {value!r} of select {name!r} is not one of {options}")
    bind = alt.binding_select(options=options, labels=labels or [f"{o:,}" for o in options], name=label + " ")
    return alt.param(name=name, value=value, bind=bind)


def derived(name: str, expr: str) -> alt.Parameter:
    """A parameter computed from others (``expr`` is a Vega expression)."""
    return alt.param(name=name, expr=expr)


def snapped(field: str, param: str) -> str:
    """Filter expression keeping the rows whose grid value ``field`` equals the control ``param``."""
    return f"abs(datum.{field} - {param}) < 1e-9"


def log_scale(**kw) -> alt.Scale:
    return alt.Scale(type="log", **kw)


_SUPERSCRIPT = dict(zip("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _superscript(expr: str) -> str:
    """Vega expression: the string ``expr`` with its digits and minus signs as superscripts."""
    for plain, sup in _SUPERSCRIPT.items():
        expr = f"replace({expr}, regexp('{plain}', 'g'), '{sup}')"
    return expr


def power_label() -> str:
    """Vega expression labelling the tick ``datum.value`` = 10^k as "10ᵏ" (superscript digits)."""
    return "'10' + " + _superscript("format(round(log(datum.value) / LN10), 'd')")


def power_text(exponent: str) -> str:
    """Vega expression writing 10^x, for the expression ``exponent`` = x, as "10ᵏ" when x is a whole number k,
    else as "m·10ᵏ" (two significant digits): "10⁻³", "3.2·10⁻³", never "1e-3"."""
    whole = "'10' + " + _superscript(f"format(round({exponent}), 'd')")
    part = f"format(pow(10, {exponent} - floor({exponent})), '.2~r') + '·10' + " + _superscript(
        f"format(floor({exponent}), 'd')"
    )
    return f"({exponent} == round({exponent}) ? {whole} : {part})"


def axis_log(title: str, lo: int, hi: int, every: int = 1) -> alt.Axis:
    """A log axis with ticks and grid lines at 10^lo, 10^(lo+every), …, 10^hi only, labelled 10ᵏ."""
    if not (isinstance(lo, int) and isinstance(hi, int) and lo < hi and every >= 1):
        raise ValueError(f"need integers lo < hi and every >= 1, got {lo!r}, {hi!r}, {every!r}")
    return alt.Axis(
        title=title,
        values=[10.0**k for k in range(lo, hi + 1, every)],
        labelExpr=power_label(),
        grid=True,
        labelOverlap="greedy",
        labelSeparation=3,
    )


def axis_integer(title: str, top: str) -> alt.Axis:
    """An axis of whole numbers 0 … the value of the parameter ``top``: ticks at integers only (1, 2 or 5
    apart, at most ~12 of them), labelled without decimals (no "0, 1, 1" at ``top`` = 1)."""
    step = f"({top} <= 12 ? 1 : {top} <= 24 ? 2 : 5)"
    return alt.Axis(title=title, values={"expr": f"sequence(0, {top} + 1, {step})"}, format="d", grid=True)


def hover_rule(base: alt.Chart, x: str, tooltip: list, name: str = "hover") -> alt.Chart:
    """A vertical rule at the data point nearest the pointer, showing ``tooltip`` for it.

    Its selection parameter ``name`` is attached by :func:`finish` (to this view
    only; Altair would lift it to every view of a concatenated chart).
    """
    cond = {"condition": {"param": name, "value": 0.3, "empty": False}, "value": 0.0}
    return (
        base.mark_rule(color="#888", strokeWidth=8)
        .encode(opacity=cond, tooltip=tooltip)
        .properties(name=f"{name}{_RULE}")
    )


_RULE = "_hoverrule"


def finish(chart) -> dict:
    """The chart's Vega-Lite dict with each :func:`hover_rule`'s nearest-point selection on its own view."""
    spec = chart.to_dict()

    def walk(node):
        if isinstance(node, dict):
            name = node.get("name")
            if isinstance(name, str) and _RULE in name and "mark" in node:
                param = name.split(_RULE)[0]
                field = node["encoding"]["x"]["field"]
                node["params"] = [
                    {
                        "name": param,
                        "select": {
                            "type": "point",
                            "nearest": True,
                            "on": "mouseover",
                            "clear": "mouseout",
                            "fields": [field],
                        },
                    }
                ]
            for key, value in node.items():
                if key not in ("data", "datasets"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    return spec


def significant(values, digits: int = 6) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits: grid points that the page's CSV stores exactly,
    so that the library evaluates the theory at the very numbers the page shows."""
    return np.array([float(f"{v:.{digits}g}") for v in np.ravel(values)])


def grid_values(lo: float, hi: float, step: float) -> np.ndarray:
    """lo, lo + step, …, hi, rounded to 12 decimals (the values a slider can take)."""
    k = int(round((hi - lo) / step))
    return np.round(lo + step * np.arange(k + 1), 12)


__all__ = [
    "axis_integer",
    "axis_log",
    "checkbox",
    "derived",
    "finish",
    "grid_values",
    "hover_rule",
    "log_scale",
    "power_label",
    "power_text",
    "select",
    "significant",
    "slider",
    "snapped",
]
