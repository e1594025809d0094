"The wheel carries the package and every dataset: install it in a fresh venv and load data outside the repo."
import subprocess, sys, zipfile
from pathlib import Path
from conftest import ROOT


def test_wheel_installs_and_loads_a_dataset(tmp_path, wheel):
    "`wheel` (conftest.py) is built once per session and shared with tests/test_install.py."
    names = zipfile.ZipFile(wheel).namelist()
    for ds in (ROOT/'data').glob('*.*'):
        if ds.suffix in ('.txt', '.tsv', '.md'):
            assert f'seqcourse/datasets/{ds.name}' in names, f'{ds.name} is not in the wheel'
    for mod in (ROOT/'seqcourse').glob('*.py'):
        assert f'seqcourse/{mod.name}' in names
    venv = tmp_path/'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    py = venv/'bin'/'python'
    # The package's own code needs only NumPy to load data; install that and the wheel, nothing else.
    p = subprocess.run([str(py), '-m', 'pip', 'install', '-q', '--no-deps', str(wheel), 'numpy'], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    code = ("from seqcourse.data import list_datasets, load_text, data_card, Vocab; import seqcourse; "
            "t = load_text('sentences'); v = Vocab.from_text(t); "
            "print(seqcourse.__file__); print(len(t), len(v), sorted(list_datasets())); assert 'licence' in data_card('sentences').lower()")
    p = subprocess.run([str(py), '-c', code], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    where, sizes = p.stdout.splitlines()[:2]
    assert str(venv) in where and str(ROOT) not in where   # the installed copy, not the checkout
    assert sizes.startswith(f"{len((ROOT/'data'/'sentences.txt').read_text())} ")
