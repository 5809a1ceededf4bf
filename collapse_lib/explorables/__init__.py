"""Kernel-free explorables: interactive figures that answer their controls on the static site.

Each chapter's Explore section is one hidden code cell, e.g.::

    from collapse_lib.explorables import theorem1
    theorem1.explorable()

The cell's output is an :class:`~.embed.Explorable`: a Vega-Lite spec with its
data inline. The site draws it with Vega served from the site itself (the
Sphinx extension :mod:`.sphinx`); JupyterLab draws it natively.

Where the numbers come from: the library, always. Each chapter module says how:
* exact combination (:mod:`.theorem1`, :mod:`.projections`, :mod:`.mixing`,
  :mod:`.distributions`, :mod:`.workflows`): the library computes, at build time, the quantities
  that depend on the structural controls on a grid of their values, and the
  page combines them with the continuous controls through a formula written
  once in Python (:mod:`.formula`): the tests evaluate it in Python against the
  theory, the page evaluates the same formula as Vega expressions;
* a JavaScript port checked against the library (:mod:`.calculator`), where
  the inputs are free numbers and a grid cannot serve.

Adding an explorable (:mod:`.workflows` is the latest example):
1. a module ``collapse_lib/explorables/<chapter>.py`` with a function returning
   ``Explorable.from_spec("<name>", parts.finish(chart))`` for an Altair chart
   (``parts.finish`` attaches the hover read-outs of ``parts.hover_rule``);
   controls from :mod:`.parts` (``slider``, ``checkbox``, ``select``,
   ``derived``; snap a control to the grid with ``parts.snapped``); log axes
   with ``parts.axis_log``; data computed by the library, assembled with
   :func:`.embed.stack` and stored inline with :func:`.embed.dataset` (named,
   once per page, 7 significant digits) under the chart's ``datasets``; grid
   values that the page shows rounded with ``parts.significant`` so that the
   library evaluates exactly what the page stores; the continuous controls
   combined through a formula written once for numbers and :mod:`.formula` Syms;
   name the marks the tests read (``.properties(name=...)``);
2. in the chapter, a hidden code cell calling it (nothing else is needed: the
   extension adds the scripts to every page that shows an explorable);
3. in ``tests/explorables/test_explorables.py`` check the combination against the theory,
   and in ``tests/browser/test_explorables.py`` move each control and compare
   what the page draws with the library (helpers there).
"""

from .embed import VEGALITE_MIME, Explorable, csv_values, dataset, stack

__all__ = ["Explorable", "VEGALITE_MIME", "csv_values", "dataset", "stack"]
