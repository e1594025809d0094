import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

@pytest.fixture
def build(tmp_path, monkeypatch):
    "A private build folder for results and figures written during a test."
    monkeypatch.setenv('SEQCOURSE_BUILD', str(tmp_path/'build'))
    return tmp_path/'build'


def pytest_configure(config):
    config.addinivalue_line('markers', 'install: installs packages into a fresh venv (minutes); deselect with -m "not install"')
    config.addinivalue_line('markers', 'browser: drives the system Chromium over the quick-mode book')


@pytest.fixture(scope='session')
def wheel(tmp_path_factory):
    "The course's wheel: $SEQCOURSE_WHEEL (e.g. the one a release built), else built from this checkout once per session."
    if os.environ.get('SEQCOURSE_WHEEL'): return Path(os.environ['SEQCOURSE_WHEEL'])
    import subprocess
    dist = tmp_path_factory.mktemp('dist')
    p = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', str(dist), str(ROOT)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    found, = dist.glob('seqcourse-*.whl')
    return found


@pytest.fixture(scope='session')
def book(tmp_path_factory):
    "Every chapter of the book executed in quick mode and the book built from them, once per session: (build, process, runs)."
    import json, subprocess
    build = Path(os.environ.get('SEQCOURSE_TEST_BUILD') or tmp_path_factory.mktemp('book')/'_build')
    p = subprocess.run([str(BIN/'seqcourse'), 'book', '--quick', '--build', str(build)], cwd=ROOT,
                       capture_output=True, text=True, timeout=3000)
    print(p.stdout[-6000:], p.stderr[-3000:])
    runs = json.loads((build/'results'/'runs.json').read_text()) if (build/'results'/'runs.json').exists() else {}
    return build, p, runs
