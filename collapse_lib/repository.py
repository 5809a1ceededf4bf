"""Sphinx extension: the book's repository URL, set in one place, drives every link to it.

Listed in ``_config.yml`` under ``sphinx: extra_extensions``. The URL is
``repository.url`` in ``_config.yml`` (empty by default: this project has no
public address yet); ``$COLLAPSE_REPO_URL`` overrides it at build time, so a
fork's CI sets its own without editing a file::

    COLLAPSE_REPO_URL=https://github.com/me/fork jupyter-book build .

On ``config-inited`` the extension

* with a URL: turns on the theme's repository and issues buttons and keeps the
  Binder launch button of ``launch_buttons`` (sphinx-book-theme builds its link
  from the URL and ``repository.branch``);
* without one: removes those buttons (a button must never lead to a
  placeholder), and still offers each chapter's executed ``.ipynb`` in the
  download menu (the theme copies it only while it draws launch buttons);
* in both cases sets the MyST substitutions :data:`SUBSTITUTIONS` that the
  introduction uses to describe the routes (``{{ repository }}``, ...);
* switches Thebe off: jupyter-book always loads ``sphinx_thebe``, which puts its
  stylesheet, a script and an inline configuration script (twice: a console
  error) on every page even without a "Live Code" button, and Live Code needs
  the network. The book has no such button, so none of that is written.

A URL that is not ``https://github.com/<owner>/<name>`` stops the build with one
line naming where it came from (Binder's and the issues button's links are built
for GitHub here).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .fileio import atomic_write

ENV_VAR = "COLLAPSE_REPO_URL"
BINDER = "https://mybinder.org"  # the BinderHub when _config.yml names none
_GITHUB = re.compile(r"https://github\.com/([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+?)(?:\.git)?/?")

#: The substitution names this extension defines (each a sentence or phrase of MyST Markdown).
SUBSTITUTIONS = ("repository", "binder_route", "install_source")


def repository_url(configured: str | None, environ=None) -> str:
    """The repository URL for this build: ``$COLLAPSE_REPO_URL`` if set and not empty, else ``configured``.

    Parameters
    ----------
    configured : str or None
        ``repository.url`` of ``_config.yml`` (sphinx-book-theme's ``repository_url``).
    environ : mapping, optional
        The environment to read ``COLLAPSE_REPO_URL`` from (default ``os.environ``).

    Returns
    -------
    str
        ``""`` when neither is set, else ``https://github.com/<owner>/<name>``
        without a trailing ``/`` or ``.git``.

    Raises
    ------
    ValueError
        For any other value, naming where it came from (the variable or ``repository.url``).
    """
    environ = os.environ if environ is None else environ
    env = environ.get(ENV_VAR, "").strip()
    value, source = (env, f"${ENV_VAR}") if env else ((configured or "").strip(), "repository.url in _config.yml")
    if not value:
        return ""
    match = _GITHUB.fullmatch(value)
    if match is None:
        raise ValueError(f"{source} must be https://github.com/<owner>/<name> or empty, got {value!r}")
    return f"https://github.com/{match[1]}/{match[2]}"


def substitutions(url: str, branch: str = "main", binderhub: str = BINDER) -> dict:
    """The MyST substitutions :data:`SUBSTITUTIONS` that describe the routes to the repository.

    Parameters
    ----------
    url : str
        The repository, as returned by :func:`repository_url` (``""``: none configured).
    branch : str
        The branch Binder builds (``repository.branch``).
    binderhub : str
        The BinderHub of ``launch_buttons.binderhub_url``.

    Returns
    -------
    dict
        ``{name: MyST Markdown}``; without a URL, no value links to a repository.
    """
    if not url:
        return {
            "repository": "the book's repository (this copy of the site was built without its address)",
            "binder_route": (
                "Binder builds the repository from its `binder/` folder: enter the address of your "
                f"copy at [{binderhub.split('://')[-1]}]({binderhub}). This copy of the site was "
                "built without a repository address, so its pages have no launch button."
            ),
            "install_source": "`git+https://github.com/<owner>/<name>` (the book's repository)",
        }
    owner_name = url.removeprefix("https://github.com/")
    return {
        "repository": f"[the book's repository]({url})",
        "binder_route": (
            "The rocket icon at the top of a chapter → **Binder** opens it in JupyterLab on "
            f"{binderhub.split('://')[-1]}; [this link]({binderhub}/v2/gh/{owner_name}/{branch}"
            "?urlpath=lab/tree/book) opens the folder of chapters."
        ),
        "install_source": f"`git+{url}`",
    }


def _configure(app, config) -> None:
    from sphinx.errors import ConfigError

    opts = dict(config.html_theme_options or {})
    try:
        url = repository_url(opts.get("repository_url"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    has_url = bool(url)
    binderhub = (opts.get("launch_buttons") or {}).get("binderhub_url") or BINDER
    opts.update(repository_url=url, use_repository_button=has_url, use_issues_button=has_url)
    if not has_url:
        opts["launch_buttons"] = {}
    config.html_theme_options = opts
    branch = opts.get("repository_branch") or "main"
    config.myst_substitutions = {
        **(config.myst_substitutions or {}),
        **substitutions(url, branch, binderhub.rstrip("/")),
    }
    _without_thebe(app)


def _without_thebe(app) -> None:
    """Disconnect ``sphinx_thebe``'s handlers and drop its stylesheet (its ``setup`` has run by now)."""
    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            if getattr(listener.handler, "__module__", "").startswith("sphinx_thebe"):
                app.disconnect(listener.id)
    app.registry.css_files[:] = [
        (name, attrs) for name, attrs in app.registry.css_files if not str(name).startswith("sphinx-thebe")
    ]


def _offer_ipynb(app, pagename, templatename, context, doctree) -> None:
    """Without launch buttons, copy a notebook page's executed ``.ipynb`` where the download menu finds it."""
    if app.config.html_theme_options.get("launch_buttons") or context.get("ipynb_source"):
        return
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if executed.is_file():
        atomic_write(Path(app.outdir) / "_sources" / f"{pagename}.ipynb", executed.read_bytes())
        context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    """Sphinx entry point."""
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _offer_ipynb, priority=500)  # before the theme's buttons (501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["ENV_VAR", "SUBSTITUTIONS", "repository_url", "substitutions", "setup"]
