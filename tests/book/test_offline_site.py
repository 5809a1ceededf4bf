"""The book's Sphinx extension ``book/_ext/offline_site.py``: a site that needs no network.

Each test builds a one-page Sphinx project (plain Sphinx, a few seconds) with the
extension and looks at what was written.
"""

import re
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
from sphinx.application import Sphinx  # noqa: E402
from sphinx.errors import ConfigError, SphinxWarning  # noqa: E402
from sphinx.util.docutils import docutils_namespace, patch_docutils  # noqa: E402

EXT_DIR = Path(__file__).resolve().parents[2] / "book" / "_ext"


def build(tmp_path, conf_extra=""):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(EXT_DIR)!r})\n"
        "project = 'offline test'\nextensions = ['offline_site']\n"
        "root_doc = 'page'\nmathjax_path = 'mathjax/tex-mml-chtml.js'\n" + conf_extra
    )
    (src / "page.rst").write_text("Page\n====\n\nInline :math:`a^2 + b^2` and\n\n.. math:: E = mc^2\n")
    out = tmp_path / "html"
    with patch_docutils(str(src)), docutils_namespace():  # as sphinx-build does: one build per namespace
        app = Sphinx(
            str(src),
            str(src),
            str(out),
            str(tmp_path / "doctrees"),
            "html",
            status=None,
            warning=None,
            freshenv=True,
            warningiserror=True,
        )
        app.build()
    return out


def test_mathjax_is_served_from_the_site(tmp_path):
    out = build(tmp_path)
    page = (out / "page.html").read_text()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert "_static/mathjax/tex-mml-chtml.js" in scripts
    assert not [s for s in scripts if "://" in s or s.startswith("//")], scripts
    mj = out / "_static" / "mathjax"
    assert (mj / "tex-mml-chtml.js").stat().st_size > 500_000  # the real bundle, not a stub
    # what the bundle loads on demand: CommonHTML fonts and TeX extensions
    assert list((mj / "output" / "chtml" / "fonts" / "woff-v2").glob("MathJax_Main-Regular.woff"))
    assert (mj / "input" / "tex" / "extensions").is_dir()
    # the root page redirects to the book's first page
    assert "url=page.html" in (out / "index.html").read_text()


def test_mathjax_from_its_loader_has_the_components_the_book_loads(tmp_path):
    # the book's configuration: the loader and a list of components (TeX input, CommonHTML output, hidden MathML)
    conf = (
        "mathjax_path = 'mathjax/startup.js'\n"
        "mathjax3_config = {'loader': {'load': ['input/tex', 'output/chtml', 'a11y/assistive-mml']}}\n"
    )
    out = build(tmp_path, conf)
    page = (out / "page.html").read_text()
    assert re.findall(r'<script[^>]*src="([^"]+)"', page).count("_static/mathjax/startup.js") == 1
    assert '"load": ["input/tex", "output/chtml", "a11y/assistive-mml"]' in page
    mj = out / "_static" / "mathjax"
    for component in ("startup.js", "core.js", "input/tex.js", "output/chtml.js", "a11y/assistive-mml.js"):
        assert (mj / component).stat().st_size > 5_000, component
    assert not (mj / "tex-mml-chtml.js").exists()  # the combined bundle (with the menu) is not served


def test_a_mathjax_path_that_is_not_in_mathjax_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="no tex-nothing.js"):
        build(tmp_path, "mathjax_path = 'mathjax/tex-nothing.js'\n")


def test_a_script_from_another_host_fails_the_build(tmp_path):
    with pytest.raises(SphinxWarning, match="from the network"):
        build(tmp_path, "html_js_files = ['https://cdn.example.org/lib.js']\n")


def test_mathjax_from_a_cdn_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="mathjax_path"):
        build(tmp_path, "mathjax_path = 'https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js'\n")


def test_an_inline_script_registered_twice_is_written_once(tmp_path):
    # as sphinx_thebe's body ends up twice: once with file name None, once with ""
    conf = (
        "def setup(app):\n"
        "    app.connect('builder-inited', lambda a: (a.builder.add_js_file(None, body='const X = 1'),"
        " a.builder.add_js_file('', body='const X = 1')))\n"
    )
    out = build(tmp_path, conf)
    assert (out / "page.html").read_text().count("const X = 1") == 1
