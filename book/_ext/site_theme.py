"""Sphinx extension: the theme's controls work and pages carry only what they use.

* **One header.** pydata-sphinx-theme 0.17 shows a top bar whenever a ``navbar_*``
  slot is set, and fills ``navbar_persistent`` with a search button unless the
  book sets it. That bar holds its own ☰ and contents buttons (classes
  ``primary-toggle`` and ``secondary-toggle``), hidden under sphinx-book-theme's
  layout but first in the page; both themes' scripts bind their click handlers to
  the *first* element of each class (``document.querySelector``), so the visible
  buttons in the article header had none: on a phone the chapter list could not be
  opened, and on the desktop ☰ did not fold the sidebar
  (pydata/pydata-sphinx-theme#2451). With ``navbar_persistent = []`` (unless the
  book sets it) no top bar is written, each button exists once, and the article
  header keeps its own search button.
* **Icons without Font Awesome's JavaScript.** The theme loads ``fontawesome.js``
  (1.5 MB) on every page only to turn ``<i class="fa-…">`` into SVG; its
  stylesheet already draws the same icons from the Font Awesome web fonts. When
  the build finishes, the script is replaced by a one-line stub; the stylesheet
  keeps the ``.fa-*::before`` rules of the icons the pages and the theme's scripts
  name (of about 1,900), and its fonts become WOFF subsets holding only those
  glyphs and the ones the theme's CSS draws (admonitions, external links, …).
* **The theme's stylesheet without rules for what no page has.** Of the theme's
  0.4 MB stylesheet (Bootstrap and every component the theme offers), the rules
  whose selectors all name a class that no page and no script of the site
  mentions are dropped (a class inside ``:not()``, ``:is()``, ``:where()`` or
  ``:has()`` keeps its rule; so does every ``@``-rule but ``@media`` and
  ``@supports``, whose rules are sifted the same way).
* **No sphinx-design assets where nothing uses them.** Jupyter Book loads
  sphinx-design on every page (62 kB of CSS and script); a page whose body has no
  ``sd-`` element does not get them.
* **Figures in 256 colours.** A matplotlib PNG is true colour with an alpha channel;
  the book's figures (lines, markers, text on white) have few distinct colours, and
  an adaptive 256-colour palette (Pillow's median cut, no dithering) draws them the
  same at a third of the bytes (Figure 4: 182 kB → 59 kB, 95% of the pixels exact). Each PNG in ``_images`` is
  rewritten when that makes it smaller; a palette PNG is left as it is.
* **Search snippets without LaTeX.** ``search-snippets.js`` (``book/_static``),
  loaded on the search page only, turns a formula into readable text in the
  result snippets (Sphinx cuts them from the page's HTML, where MathJax has not
  run).

A failure to find what is rewritten (a theme update) is a build warning, so
``jupyter-book build -W`` fails rather than ship pages without icons.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

FA_SCRIPT = Path("_static") / "scripts" / "fontawesome.js"
THEME_CSS = Path("_static") / "styles" / "pydata-sphinx-theme.css"
FA_STUB = "/* Font Awesome icons are drawn by the theme's stylesheet and its web fonts (book/_ext/site_theme.py). */\n"
SNIPPETS_JS = "search-snippets.js"
SPHINX_DESIGN_CSS = ("sphinx-design.min.css",)
SPHINX_DESIGN_JS = ("design-tabs.js",)

# `.fa-bars:before,.fa-navicon:before{content:"\f0c9"}`: one icon's rule (minified stylesheet)
_ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:{1,2}before,?)+)\{content:"((?:[^"\\]|\\.)*)"\}')
_ICON_CLASS = re.compile(r"(?<![\w-])fa-[a-z0-9]+(?:-[a-z0-9]+)*")
_FONT_FACE = re.compile(r"@font-face\{([^}]*)\}")
_FONT_SRC = re.compile(r"src:url\(([^)]*/webfonts/)([a-z0-9-]+)\.woff2\)[^;}]*")


def _check(msg: str) -> None:
    logger.warning(f"site_theme: {msg}", type="site_theme")


def _one_header(app: Sphinx, config) -> None:
    opts = dict(config.html_theme_options or {})
    opts.setdefault("navbar_persistent", [])
    config.html_theme_options = opts


def _search_snippets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if pagename == "search":
        app.add_js_file(SNIPPETS_JS, loading_method="defer")


def _unused_design_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if re.search(r'class="[^"]*\bsd-', context.get("body") or ""):
        return
    for key, names in (("css_files", SPHINX_DESIGN_CSS), ("script_files", SPHINX_DESIGN_JS)):
        assets = context.get(key)
        if assets is not None:
            assets[:] = [a for a in assets if Path(str(getattr(a, "filename", a) or "")).name not in names]


def _css_codepoints(text: str) -> set[int]:
    """Code points in CSS string text: literal characters and ``\\f0c9``-style escapes."""
    points = set()
    for match in re.finditer(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)|(.)", text, flags=re.S):
        if match.group(1):
            points.add(int(match.group(1), 16))
        else:
            points.add(ord(match.group(2) or match.group(3)))
    return points


def _used_icon_classes(outdir: Path) -> set[str]:
    used = set()
    for page in outdir.rglob("*.html"):
        for classes in re.findall(r'class="([^"]*)"', page.read_text(encoding="utf-8", errors="replace")):
            used.update(_ICON_CLASS.findall(classes))
    for script in (outdir / "_static" / "scripts").glob("*.js"):
        if script.name != FA_SCRIPT.name:
            used.update(_ICON_CLASS.findall(script.read_text(encoding="utf-8", errors="replace")))
    return used


def _subset_font(source: Path, dest: Path, codepoints: set[int]) -> None:
    from fontTools import subset  # installed with matplotlib

    options = subset.Options()
    options.flavor = "woff"  # WOFF 2 needs brotli; WOFF (zlib) is read by every browser
    options.layout_features = ["*"]
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    subset.save_font(font, str(dest), options)


_WORD = re.compile(r"-?[A-Za-z_][\w-]*")
_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")


def _known_words(outdir: Path) -> set[str]:
    """Every word of every page and script of the site: class names can only come from there."""
    words: set[str] = set()
    for path in [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]:
        words.update(_WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
    return words


def _blocks(text: str) -> tuple[list[str], str]:
    """Top-level ``prelude{...}`` blocks of CSS text (strings and comments skipped), and what follows the last."""
    blocks, depth, start, i, n = [], 0, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                blocks.append(text[start : i + 1])
                start = i + 1
        i += 1
    return blocks, text[start:]


def _selectors(prelude: str) -> list[str]:
    """The comma-separated selectors of a rule's prelude (commas inside parentheses kept)."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(prelude):
        depth += (c == "(") - (c == ")")
        if c == "," and depth == 0:
            parts.append(prelude[start:i])
            start = i + 1
    return [*parts, prelude[start:]]


def _selector_used(selector: str, known: set[str]) -> bool:
    bare = re.sub(r"/\*.*?\*/", "", selector, flags=re.S)
    if "\\" in bare:
        return True  # escaped class names: not parsed here, kept
    while True:  # drop pseudo-class arguments and attribute selectors, innermost first
        reduced = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", "", bare)
        if reduced == bare:
            break
        bare = reduced
    prefixes = known_prefixes(known)
    return all(name in known or name.startswith(prefixes) for name in _CLASS.findall(bare))


def known_prefixes(known: set[str], _cache: dict = {}) -> tuple[str, ...]:  # noqa: B006 - a cache on purpose
    """Words that end in "-" (``"bs-tooltip-"``): a script may append the rest of a class name at run time."""
    key = id(known)
    if key not in _cache:
        _cache.clear()
        _cache[key] = tuple(sorted(w for w in known if w.endswith("-") and len(w) >= 3))
    return _cache[key]


def _sift(css: str, known: set[str]) -> str:
    """``css`` without the rules no page can match (see the module's docstring)."""
    blocks, tail = _blocks(css)
    kept = []
    for block in blocks:
        brace = block.index("{")
        prelude = block[:brace]
        head = re.sub(r"/\*.*?\*/", "", prelude, flags=re.S).strip()
        if head.startswith(("@media", "@supports")):
            inner = _sift(block[brace + 1 : -1], known)
            if inner.strip():
                kept.append(prelude + "{" + inner + "}")
        elif head.startswith("@") or any(_selector_used(s, known) for s in _selectors(head)):
            kept.append(block)
    return "".join(kept) + tail


def atomic_write_public(path: Path, data: str | bytes) -> None:
    """Replace a file of the site, readable by the web server like the rest (``atomic_write`` makes it 0600)."""
    from collapse_lib.fileio import atomic_write

    atomic_write(path, data)
    path.chmod(0o644)


def _trim_icons(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    script, css_path = outdir / FA_SCRIPT, outdir / THEME_CSS
    if not script.is_file() or not css_path.is_file():
        _check(f"{FA_SCRIPT} or {THEME_CSS} not found in the build: has the theme changed?")
        return
    atomic_write_public(script, FA_STUB)
    script.with_name(script.name + ".map").unlink(missing_ok=True)

    css = css_path.read_text(encoding="utf-8")
    if ".subset.woff" in css:  # trimmed by an earlier build into this folder, and not copied again
        return
    used = _used_icon_classes(outdir)
    kept_points: set[int] = set()

    def keep(rule: re.Match) -> str:
        names = set(re.findall(r"\.(fa-[a-z0-9-]+):", rule.group(1)))
        if names & used:
            kept_points.update(_css_codepoints(rule.group(2)))
            return rule.group(0)
        return ""

    trimmed, count = _ICON_RULE.subn(keep, css)
    if count < 100:
        _check(f"only {count} icon rules found in {THEME_CSS}: has the theme changed?")
        return
    # the glyphs the rest of the theme's CSS draws (admonition icons, external links, ...), all in the private use area
    texts = [_ICON_RULE.sub("", trimmed)]
    texts += [
        f.read_text(encoding="utf-8", errors="replace") for f in (outdir / "_static").rglob("*.css") if f != css_path
    ]
    drawn = {p for text in texts for p in _css_codepoints(text) if 0xE000 <= p <= 0xF8FF}
    points = kept_points | drawn

    def subset_face(face: re.Match) -> str:
        src = _FONT_SRC.search(face.group(1))
        if src is None:
            return face.group(0)
        folder, stem = src.group(1), src.group(2)
        ttf = (css_path.parent / folder / f"{stem}.ttf").resolve()
        if not ttf.is_file():
            _check(f"{ttf} not found: the icon font is served whole")
            return face.group(0)
        _subset_font(ttf, ttf.with_name(f"{stem}.subset.woff"), points)
        body = face.group(1).replace(src.group(0), f'src:url({folder}{stem}.subset.woff) format("woff")')
        return "@font-face{" + body + "}"

    trimmed, faces = _FONT_FACE.subn(subset_face, trimmed)
    if "subset.woff" not in trimmed:
        _check(
            f"no Font Awesome @font-face rewritten in {THEME_CSS} ({faces} @font-face rules): has the theme changed?"
        )
    before = len(trimmed)
    trimmed = _sift(trimmed, _known_words(outdir))
    if len(trimmed) < before / 4:
        _check(f"sifting {THEME_CSS} left {len(trimmed)} of {before} bytes: is the site's HTML missing?")
        return
    # the theme's source map describes the file before trimming
    atomic_write_public(css_path, re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", trimmed))
    css_path.with_name(css_path.name + ".map").unlink(missing_ok=True)


def shrink_png(data: bytes, colors: int = 256) -> bytes | None:
    """``data`` (a PNG) with an adaptive palette of ``colors`` colours, or None if that is not smaller or the image
    already has a palette."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        if im.mode not in ("RGB", "RGBA"):
            return None
        im.load()
        if im.mode == "RGBA" and im.getextrema()[3][0] == 255:  # opaque: the alpha channel says nothing
            im = im.convert("RGB")
        # median cut keeps the frequent colours (the white ground, the lines) exact; the octree (the only method
        # for RGBA) moves them by one or two levels
        method = Image.Quantize.MEDIANCUT if im.mode == "RGB" else Image.Quantize.FASTOCTREE
        quantized = im.quantize(colors=colors, method=method, dither=Image.Dither.NONE)
    out = io.BytesIO()
    quantized.save(out, format="PNG")
    return out.getvalue() if out.tell() < len(data) else None


def _shrink_one(path: Path) -> None:
    smaller = shrink_png(path.read_bytes())
    if smaller is not None:
        atomic_write_public(path, smaller)


def _shrink_figures(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    from concurrent.futures import ThreadPoolExecutor

    # one thread per core: Pillow lets go of the GIL while it quantizes and compresses
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(_shrink_one, sorted((Path(app.outdir) / "_images").glob("*.png"))))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _one_header)
    app.connect("html-page-context", _search_snippets)
    app.connect("html-page-context", _unused_design_assets, priority=950)
    app.connect("build-finished", _trim_icons)
    app.connect("build-finished", _shrink_figures)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
