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
