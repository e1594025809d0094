"Tests of seqcourse.cli: the console script's entry point, `python -m seqcourse.cli`, the commands and their exit codes."
import os, subprocess, sys
from importlib.metadata import entry_points
import pytest
from conftest import ROOT
from seqcourse.cli import main


def test_the_console_script_is_the_cli():
    assert '\n[project.scripts]\nseqcourse = "seqcourse.cli:main"\n' in (ROOT/'pyproject.toml').read_text()
    installed = [e.value for e in entry_points(group='console_scripts') if e.name == 'seqcourse']
    assert installed == ['seqcourse.cli:main'], f"the installed console script is {installed}: reinstall with pip install -e ."


def test_python_dash_m_runs_the_same_command_line():
    p = subprocess.run([sys.executable, '-m', 'seqcourse.cli', 'list'], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[:2] == ['data', 'nbs/00_data.ipynb']
    p = subprocess.run([sys.executable, '-m', 'seqcourse.cli', 'run', 'nosuchchapter'], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "seqcourse run: unknown chapter 'nosuchchapter'" in p.stderr


def test_every_command_is_there(capsys):
    with pytest.raises(SystemExit) as e: main(['--help'])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for command in ('list', 'run', 'book', 'assign', 'grade'): assert command in out
    with pytest.raises(SystemExit) as e: main(['assign'])  # --out is required: argparse's usage error
    assert e.value.code == 2


def test_usage_errors_exit_with_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(['assign', 'nosuch', '--out', str(tmp_path/'a')]) == 2
    assert main(['grade', str(tmp_path/'nothing-here')]) == 2
    err = capsys.readouterr().err
    assert "seqcourse assign: unknown chapter 'nosuch'" in err and 'seqcourse grade: no folder' in err


def test_version_is_the_packages(capsys):
    import configparser
    from importlib.metadata import version
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    with pytest.raises(SystemExit) as e: main(['--version'])
    assert e.value.code == 0
    assert capsys.readouterr().out == f"seqcourse {cfg['DEFAULT']['version']}\n" == f"seqcourse {version('seqcourse')}\n"


def test_a_bare_seqcourse_prints_its_help(capsys, monkeypatch):
    monkeypatch.setenv('COLUMNS', '100')   # argparse wraps the help to the terminal's width
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith('usage: seqcourse [-h] [--version] COMMAND ...')
    for command in ('list', 'run', 'book', 'assign', 'grade'): assert f'\n    {command} ' in out
    p = subprocess.run([sys.executable, '-m', 'seqcourse.cli'], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={**os.environ, 'COLUMNS': '100'})
    assert p.returncode == 0 and p.stdout == out and p.stderr == ''


def test_an_unknown_chapter_suggests_the_nearest(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(['run', 'lstn', '--quick']) == 2
    err = capsys.readouterr().err
    assert err.startswith("seqcourse run: unknown chapter 'lstn' (did you mean 'lstm'?); the chapters are: data, ")
    assert main(['run', 'attenton', 'nosuchchapter']) == 2   # several: each named, a suggestion only where one is close
    assert "unknown chapters 'attenton' (did you mean 'attention'?), 'nosuchchapter'; the chapters are:" in capsys.readouterr().err
