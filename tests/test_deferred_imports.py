"""collapse_lib._deferred_imports: rfc3987_syntax's parsers are built on first use, with the same answers."""

import subprocess
import sys

import pytest

from collapse_lib._deferred_imports import NAME, defer_rfc3987_syntax, python_command

pytest.importorskip(NAME)

#: A fresh process: import the library and Altair (which imports jsonschema), then check IRIs with jsonschema.
_CHECK = """
import sys
import collapse_lib, altair, jsonschema
print(type(sys.modules["rfc3987_syntax"]).__name__, "lark" in sys.modules)
check = jsonschema.FormatChecker()
print([check.conforms(v, "iri") for v in ["http://example.com/p\\u00e4th?q=1#f", "urn:isbn:0451450523", "no scheme", "http://a b"]])
print([check.conforms(v, "iri-reference") for v in ["../d\\u00e4ta", "#frag", "a b", "https://example.org/caf\\u00e9"]])
print(type(sys.modules["rfc3987_syntax"]).__name__, "lark" in sys.modules, callable(sys.modules["rfc3987_syntax"].parse))
"""


@pytest.mark.slow
def test_altair_is_imported_without_building_the_parsers_and_iri_checks_answer_as_rfc3987_says():
    out = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0] == "_StandIn False"  # stood in for, nothing parsed yet
    # RFC 3987: an IRI has a scheme and no spaces, non-ASCII letters allowed; a reference may be relative
    assert lines[1] == "[True, True, False, False]"
    assert lines[2] == "[True, True, False, True]"
    assert lines[3] == "module True True"  # the real module took its place at the first check


def test_nothing_is_stood_in_for_once_the_module_or_jsonschema_is_loaded():
    import jsonschema  # noqa: F401 - this process has imported collapse_lib, so this finds the stand-in or the module

    assert NAME in sys.modules
    assert defer_rfc3987_syntax() is False


@pytest.mark.slow
def test_a_tool_started_through_python_command_defers_the_parsers():
    """jupyter-book and JupyterLab import nbformat or jupyter-events (and so jsonschema) before the library: started
    through ``python_command`` they find the stand-in."""
    code = (
        "import sys, nbformat, jsonschema\nprint(type(sys.modules['rfc3987_syntax']).__name__, 'lark' in sys.modules)"
    )
    out = subprocess.run(python_command(code), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["_StandIn", "False"]
