"The package is generated from the notebooks: re-exporting a clean checkout must change nothing."
import filecmp, shutil, subprocess
from pathlib import Path
from conftest import ROOT, BIN


def _tracked(root):
    out = subprocess.run(['git', 'ls-files'], cwd=root, capture_output=True, text=True)
    return out.stdout.split() if out.returncode == 0 and out.stdout.strip() else None


def test_nbdev_export_changes_nothing(tmp_path):
    files = _tracked(ROOT)
    work = tmp_path/'repo'
    if files:  # copy what git tracks, as a clean checkout has it
        for f in files:
            (work/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, work/f)
    else: shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns('.venv', '_build', '.git'))
    before = {p.name: p.read_text() for p in (work/'seqcourse').glob('*.py')}
    p = subprocess.run([str(BIN/'nbdev_export')], cwd=work, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    after = {p.name: p.read_text() for p in (work/'seqcourse').glob('*.py')}
    assert set(after) == set(before), f"modules added or missing: {set(after) ^ set(before)}"
    changed = [n for n in after if after[n] != before[n]]
    assert not changed, f"nbdev_export changed {changed}: run nbdev_export and commit seqcourse/ with the notebooks"
