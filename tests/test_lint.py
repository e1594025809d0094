"The generated package passes ruff (configured in pyproject.toml: pyflakes, import order, bugbear, pyupgrade)."
import shutil, subprocess
from conftest import ROOT, BIN


def test_ruff_check_passes():
    ruff = BIN/'ruff' if (BIN/'ruff').exists() else shutil.which('ruff')
    assert ruff, "ruff is not installed: pip install -e '.[dev]'"
    p = subprocess.run([str(ruff), 'check', 'seqcourse', '--output-format', 'concise'], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, f"ruff check seqcourse failed; fix the notebooks in nbs/, then nbdev_export:\n{p.stdout[-4000:]}{p.stderr[-2000:]}"
