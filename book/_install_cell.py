# Outside the book's repository (Colab, a chapter copied anywhere): install collapse_lib when it
# is missing, from the pip source in $COLLAPSE_LIB_SOURCE, keeping the installed torch.
# Does nothing where the library is installed (hidden on the site). Every chapter starts with
# this cell: its one source is book/_install_cell.py, copied by scripts/install_cell.py.
import importlib.metadata
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("collapse_lib") is None:
    source = os.environ.get("COLLAPSE_LIB_SOURCE", "")
    if not source:
        raise ModuleNotFoundError(
            "collapse_lib is not installed. Set COLLAPSE_LIB_SOURCE to a pip source for it: "
            "git+https://github.com/<owner>/<name> (the book's repository), a wheel or a folder "
            "(in a notebook: %env COLLAPSE_LIB_SOURCE=<source>), then run this cell again."
        )
    keep = [f"torch=={importlib.metadata.version('torch')}"] if importlib.util.find_spec("torch") else []
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", source, *keep], check=True)
    importlib.invalidate_caches()
