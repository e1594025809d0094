"""Installing the course package as a student meets it, in Colab.

Fast tests (no network): every chapter's Colab cell is the one template (seqcourse.runner.colab_cell), a Colab form
that the book leaves out; the cell stops with pip's exit status when the install fails; the book's Colab button opens
the release tag the cell installs; and tools/colab_resolve.py, which .ci/run calls to resolve the built wheel against
Colab's real package sets (tests/colab/, from github.com/googlecolab/backend-info), reads those snapshots and judges
pip's reports as it should (on canned reports: pytest uses no network).

The venv test is marked `install`: a fresh venv holding the newest snapshot's Python (when this machine has it) and
its versions of TensorFlow, Keras, NumPy, pandas, matplotlib, ipywidgets, IPython, pip and setuptools; the Colab cell
installs this version from the repository's tag and changes nothing that was installed; every module imports; quick
chapters with widgets (rnn, textgen) and pandas tables (hello) run there. It downloads TensorFlow (minutes);
`pytest -m "not install"` leaves it out, as .ci/run does."""
import configparser, json, os, re, shutil, socket, subprocess, sys, time
from contextlib import contextmanager
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT/'tools'))
import colab_resolve  # noqa: E402
import set_colab_cell  # noqa: E402
from seqcourse.runner import COLAB_MARK, COLAB_TAG, colab_cell  # noqa: E402

CFG = configparser.ConfigParser(delimiters=['=']); CFG.read(ROOT/'settings.ini')
VERSION = CFG['DEFAULT']['version']
REPO_URL = CFG['DEFAULT']['git_url'].rstrip('/')
SNAPSHOTS = sorted((ROOT/'tests'/'colab').glob('*.txt'))
# what the venv test takes from Colab's snapshot: the libraries the chapters use
# (and Colab's pip and setuptools: the cell runs Colab's pip, and pins Colab's setuptools while it installs)
COLAB_LIBS = ['tensorflow', 'keras', 'numpy', 'pandas', 'matplotlib', 'ipywidgets', 'ipython', 'pip', 'setuptools']
CHAPTERS = ['rnn', 'hello', 'textgen']   # the quick chapters the venv test runs there


# --- the cell in every chapter ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('nb_path', set_colab_cell.chapter_notebooks(), ids=lambda p: p.stem)
def test_every_chapter_has_the_colab_cell_of_this_version(nb_path):
    nb = json.loads(nb_path.read_text())
    found = set_colab_cell.colab_cells(nb)
    assert len(found) == 1, f'{nb_path.name}: {len(found)} Colab cells; run `python tools/set_colab_cell.py`'
    cell = nb['cells'][found[0]]
    assert ''.join(cell['source']) == colab_cell(ROOT), f'{nb_path.name}: its Colab cell is not the template; run `python tools/set_colab_cell.py`'
    assert COLAB_TAG in cell['metadata'].get('tags', []), f'{nb_path.name}: its Colab cell is not tagged {COLAB_TAG}; run `python tools/set_colab_cell.py`'


def _code(source, tags=None, cid='c'):
    return {'cell_type': 'code', 'id': cid, 'metadata': {'tags': tags} if tags else {}, 'outputs': [], 'execution_count': None,
            'source': source.splitlines(keepends=True)}


OLD_CELL = ("#| hide\n# Colab: install this book's version of the course package (seqcourse 0.1.0); nothing Colab already has changes.\n"
            "import sys\n\nif 'google.colab' in sys.modules:\n    %pip install -q -c /tmp/seqcourse-keep.txt \"seqcourse==0.1.0\"")


def test_the_script_replaces_the_old_cells_keeps_ids_and_is_idempotent():
    text = colab_cell(ROOT)
    for old in (OLD_CELL, "#| hide\n# In Colab, install the course package first\nimport sys\nif 'google.colab' in sys.modules: pass"):
        nb = {'cells': [_code(old, ['x'], 'keep1'), _code('QUICK = False', ['parameters'], 'p')]}
        nb, changed = set_colab_cell.with_colab_cell(nb, text)
        assert changed and nb['cells'][0]['id'] == 'keep1' and nb['cells'][0]['metadata'] == {'tags': ['x', COLAB_TAG]}
        assert ''.join(nb['cells'][0]['source']) == text and len(nb['cells']) == 2
        assert set_colab_cell.with_colab_cell(nb, text) == (nb, False)
    bare = {'cells': [_code('#| default_exp demo'), _code('QUICK = False', ['parameters'], 'p')]}
    bare, changed = set_colab_cell.with_colab_cell(bare, text)
    assert changed and ''.join(bare['cells'][1]['source']) == text and bare['cells'][1]['metadata'] == {'tags': [COLAB_TAG]}
    assert bare['cells'][2]['id'] == 'p' and bare['cells'][1]['id']
    # the runner's own exported colab_cell() mentions both, and is not a Colab cell; two Colab cells are an error
    assert set_colab_cell.colab_cells({'cells': [_code('#| export\nCOLAB_MARK = "#@title Install the course package"\n# google.colab')]}) == []
    with pytest.raises(ValueError, match='2 Colab cells'):
        set_colab_cell.with_colab_cell({'cells': [_code(OLD_CELL), _code(text)]}, text)


def test_the_colab_cell_is_a_short_form_installing_this_version():
    cell = colab_cell(ROOT)
    first = cell.splitlines()[0]
    assert re.fullmatch(r'#@title [^{}]+ \{ display-mode: "form" \}', first) and first.startswith(COLAB_MARK), first
    assert VERSION in first and not any(l.startswith('#|') for l in cell.splitlines()), 'Colab shows nbdev directives: use the tag'
    assert f"def _install(version='{VERSION}', repo='{REPO_URL}'):" in cell
    assert "if 'google.colab' in sys.modules: _install()" in cell and len(cell.splitlines()) <= 30
    compile(cell, 'colab-cell', 'exec')   # plain Python, no IPython magics


def test_the_book_leaves_the_colab_cell_out():
    "The executed chapter's Colab cell reaches Jupyter Book with its remove-cell tag (the runner keeps tags)."
    from seqcourse.runner import to_book_notebook
    nb = {'cells': [], 'metadata': {}}
    set_colab_cell.with_colab_cell(nb, colab_cell(ROOT))
    nb['cells'][0]['outputs'] = [{'output_type': 'stream', 'name': 'stdout', 'text': 'seqcourse 0.1.0 is installed\n'}]
    assert to_book_notebook(nb)['cells'][0]['metadata']['tags'] == [COLAB_TAG] == ['remove-cell']


def _cell_script(tmp_path, cell):
    "A script that runs the Colab cell as Colab would (google.colab imported), with the package index out of reach."
    cell = cell.replace('https://pypi.org', 'http://127.0.0.1:9')
    script = tmp_path/'cell.py'
    script.write_text("import sys, types; sys.modules['google.colab'] = types.ModuleType('google.colab')\n" + cell + '\n')
    return script


def test_outside_colab_the_cell_does_nothing():
    p = subprocess.run([sys.executable, '-c', colab_cell(ROOT)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout == '', p.stdout + p.stderr


def test_the_cell_sees_this_version_installed_and_does_nothing(tmp_path):
    p = subprocess.run([sys.executable, str(_cell_script(tmp_path, colab_cell(ROOT)))], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout == f'seqcourse {VERSION} is installed\n', p.stdout + p.stderr


def test_a_failed_install_stops_the_cell_with_pips_exit_status(tmp_path):
    "A release that cannot be fetched: the cell raises, naming what it tried and pip's exit status, instead of going on."
    venv = tmp_path/'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True, timeout=120)
    cell = colab_cell(ROOT).replace(f"version='{VERSION}'", "version='9.9.9'").replace(REPO_URL, 'http://127.0.0.1:9/seqcourse.git')
    env = {**os.environ, 'PIP_NO_INDEX': '1', 'PIP_CONFIG_FILE': os.devnull}
    p = subprocess.run([str(venv/'bin'/'python'), str(_cell_script(tmp_path, cell))], capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode != 0
    assert 'Installing seqcourse @ git+http://127.0.0.1:9/seqcourse.git@v9.9.9 ...' in p.stdout
    assert re.search(r'RuntimeError: Installing seqcourse @ \S+ failed \(pip exit status [1-9]', p.stderr), p.stderr[-3000:]
    assert 'pip says:' in p.stderr


def test_the_colab_button_opens_the_release_tag_the_cell_installs():
    import yaml
    config = yaml.safe_load((ROOT/'_config.yml').read_text())
    assert config['repository']['branch'] == f'v{VERSION}', \
        f"_config.yml repository.branch is {config['repository']['branch']!r}: the Colab button must open the tag v{VERSION} the cell installs"
    assert config['repository']['url'].rstrip('/') == REPO_URL and config['repository'].get('path_to_book', '') == ''
    assert config['launch_buttons']['colab_url'] == 'https://colab.research.google.com'


# --- Colab's package sets and the resolver ---------------------------------------------------------------------------

def test_the_snapshots_of_colab_are_kept():
    "At least the newest two snapshots, named by date, each with its Python and the libraries the course uses."
    assert len(SNAPSHOTS) >= 2, SNAPSHOTS
    for path in SNAPSHOTS:
        assert re.fullmatch(r'\d{4}-\d{2}-\d{2}', path.stem), path.name
        snap = colab_resolve.read_snapshot(path)
        assert re.fullmatch(r'3\.\d+', snap['python']) and 'backend-info' in path.read_text().splitlines()[0]
        for lib in ('tensorflow', 'keras', 'numpy', 'matplotlib', 'ipython', 'ipywidgets', 'pandas'):
            assert lib in snap['pins'], f'{path.name} has no {lib}'


SNAP = """# Colab's package set (CPU runtime) on 2026-01-01: pip-freeze.txt of github.com/googlecolab/backend-info at commit abc
# python: 3.13.15  (os-info.txt at the same commit)
ipywidgets==7.7.1
IPython==7.34.0
numpy==2.1.3
tensorflow==2.20.0
torch @ https://download.pytorch.org/whl/cpu/torch-2.11.0%2Bcpu-cp313-cp313-manylinux_2_28_x86_64.whl
"""


def _report(**installs):
    return {'version': '1', 'install': [{'metadata': {'name': n.replace('_', '-'), 'version': v}} for n, v in installs.items()]}


def test_a_snapshot_is_read_with_its_python_pins_and_url_installs(tmp_path):
    (tmp_path/'2026-01-01.txt').write_text(SNAP)
    snap = colab_resolve.read_snapshot(tmp_path/'2026-01-01.txt')
    assert snap['python'] == '3.13' and snap['name'] == '2026-01-01'
    assert snap['pins'] == {'ipywidgets': '7.7.1', 'ipython': '7.34.0', 'numpy': '2.1.3', 'tensorflow': '2.20.0'}
    assert list(snap['urls']) == ['torch']
    assert colab_resolve.constraints(snap) == 'ipython==7.34.0\nipywidgets==7.7.1\nnumpy==2.1.3\ntensorflow==2.20.0\n'
    (tmp_path/'bad.txt').write_text('numpy==2.1.3\n')
    with pytest.raises(ValueError, match='no `# python: X.Y` header'): colab_resolve.read_snapshot(tmp_path/'bad.txt')
    (tmp_path/'bad.txt').write_text('# python: 3.12\nnumpy>=2\n')
    with pytest.raises(ValueError, match=r"bad.txt line 2: expected `name==version` or `name @ url`, got 'numpy>=2'"):
        colab_resolve.read_snapshot(tmp_path/'bad.txt')


def test_the_verdict_passes_only_when_nothing_colab_has_changes(tmp_path):
    (tmp_path/'s.txt').write_text(SNAP); snap = colab_resolve.read_snapshot(tmp_path/'s.txt')
    ok = colab_resolve.verdict(_report(seqcourse='0.1.0', tensorflow='2.20', IPython='7.34.0', jedi='0.20.1'), snap)
    assert ok == {'ok': True, 'replaced': [], 'added': [('jedi', '0.20.1')]}
    newer = colab_resolve.verdict(_report(seqcourse='0.1.0', ipywidgets='8.1.5', numpy='2.1.3'), snap)
    assert not newer['ok'] and newer['replaced'] == [('ipywidgets', '7.7.1', '8.1.5')]
    torch = colab_resolve.verdict(_report(seqcourse='0.1.0', torch='2.11.0'), snap)   # Colab's torch is not the index's
    assert not torch['ok'] and torch['replaced'][0][0] == 'torch'


def test_the_pip_command_resolves_for_colabs_python_and_platform(tmp_path):
    (tmp_path/'s.txt').write_text(SNAP); snap = colab_resolve.read_snapshot(tmp_path/'s.txt')
    cmd = colab_resolve.pip_command('w.whl', snap, 'c.txt', 'r.json', python='py')
    assert cmd[:4] == ['py', '-m', 'pip', 'install'] and cmd[-1] == 'w.whl'
    for flag in ('--dry-run', '--ignore-installed', '--only-binary=:all:'): assert flag in cmd
    assert cmd[cmd.index('--python-version') + 1] == '3.13' and cmd[cmd.index('-c') + 1] == 'c.txt' and cmd[cmd.index('--report') + 1] == 'r.json'
    platforms = [cmd[i + 1] for i, a in enumerate(cmd) if a == '--platform']
    assert platforms[0] == 'manylinux_2_35_x86_64' and 'manylinux_2_17_x86_64' in platforms and 'manylinux2014_x86_64' in platforms
    assert not any('2_36' in p for p in platforms)   # Ubuntu 22.04's glibc is 2.35


def test_pips_explanation_of_a_conflict_is_kept():
    out = """Collecting tensorflow>=2.19
ERROR: Cannot install seqcourse==0.1.0 because these package versions have conflicting dependencies.

The conflict is caused by:
    seqcourse 0.1.0 depends on ipywidgets>=8
    The user requested (constraint) ipywidgets==7.7.1

To fix this you could try to:
1. loosen the range of package versions you've specified
ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/"""
    assert colab_resolve.pip_errors(out) == [
        'ERROR: Cannot install seqcourse==0.1.0 because these package versions have conflicting dependencies.',
        'The conflict is caused by:', '    seqcourse 0.1.0 depends on ipywidgets>=8', '    The user requested (constraint) ipywidgets==7.7.1']


def test_the_resolver_refuses_what_is_not_a_wheel(tmp_path, capsys):
    with pytest.raises(SystemExit) as e: colab_resolve.main([str(tmp_path/'seqcourse.tar.gz')])
    assert e.value.code == 2 and 'expected a built wheel file (*.whl)' in capsys.readouterr().err


# --- the venv that plays Colab (marked install) ----------------------------------------------------------------------

@contextmanager
def _git_release(tmp_path):
    "This working tree as a git repository tagged v<version>, served over HTTP (as GitHub would serve it): its URL."
    repo = tmp_path/'repo'
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split('\n')
    for f in filter(None, files):
        if (ROOT/f).is_file(): (repo/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, repo/f)
    env = {**os.environ, 'GIT_AUTHOR_NAME': 't', 'GIT_AUTHOR_EMAIL': 't@t', 'GIT_COMMITTER_NAME': 't', 'GIT_COMMITTER_EMAIL': 't@t'}
    served = tmp_path/'served'; served.mkdir()
    for cmd, cwd in ((['init', '-q'], repo), (['add', '-A'], repo), (['commit', '-qm', 'release'], repo), (['tag', f'v{VERSION}'], repo),
                     (['clone', '-q', '--bare', str(repo), str(served/'seqcourse.git')], tmp_path), (['update-server-info'], served/'seqcourse.git')):
        subprocess.run(['git', *cmd], cwd=cwd, check=True, env=env, capture_output=True)
    s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
    server = subprocess.Popen([sys.executable, '-m', 'http.server', str(port), '--bind', '127.0.0.1', '--directory', str(served)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)
        yield f'http://127.0.0.1:{port}/seqcourse.git'   # pip refuses git+file:/// (no host) in `name @ url`
    finally:
        server.terminate(); server.wait()


def _freeze(py):
    out = subprocess.run([str(py), '-m', 'pip', 'list', '--format=json'], capture_output=True, text=True, check=True).stdout
    return {d['name'].lower(): d['version'] for d in json.loads(out)}


@pytest.mark.install
def test_colab_install_changes_nothing_colab_has_and_a_chapter_runs(tmp_path):
    newest = colab_resolve.read_snapshot(SNAPSHOTS[-1])
    python = colab_resolve.find_python(newest['python']) or sys.executable   # else this Python, with Colab's versions
    venv = tmp_path/'colab'
    subprocess.run([python, '-m', 'venv', str(venv)], check=True)
    py = venv/'bin'/'python'
    keep = tmp_path/'colab-constraints.txt'; keep.write_text(colab_resolve.constraints(newest))
    libs = [f'{lib}=={newest["pins"][lib]}' for lib in COLAB_LIBS]
    p = subprocess.run([str(py), '-m', 'pip', 'install', '-q', '-c', str(keep), *libs], capture_output=True, text=True, timeout=2400)
    if p.returncode and python == sys.executable:   # Colab's TensorFlow may have no wheel for this Python: the nearest that installs
        libs = [l for l in libs if not l.startswith('tensorflow==')] + [f"tensorflow~={newest['pins']['tensorflow'].rsplit('.', 1)[0]}.0"]
        p = subprocess.run([str(py), '-m', 'pip', 'install', '-q', *libs], capture_output=True, text=True, timeout=2400)
    assert p.returncode == 0, p.stderr[-3000:]
    before = _freeze(py)
    # the Colab cell itself, with google.colab present; the package index is out of reach, so it takes the tag
    with _git_release(tmp_path) as url:
        cell = colab_cell(ROOT).replace(REPO_URL, url)
        p = subprocess.run([str(py), str(_cell_script(tmp_path, cell))], capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert f'Installing seqcourse @ git+{url}@v{VERSION} ...' in p.stdout and p.stdout.endswith(f'seqcourse {VERSION} is installed\n')
    after = _freeze(py)
    assert after.get('seqcourse') == VERSION, f'the Colab cell did not install seqcourse {VERSION}:\n{p.stdout[-3000:]}\n{p.stderr[-2000:]}'
    changed = {k: (before.get(k), v) for k, v in after.items() if k != 'seqcourse' and before.get(k) != v}
    assert not changed, f'the Colab cell changed what was installed: {changed}'
    # every module of the package imports there (runner, classroom and cli import their tools when they run)
    modules = sorted(m.stem for m in (ROOT/'seqcourse').glob('*.py') if not m.stem.startswith('_'))
    code = 'import importlib, seqcourse; print(seqcourse.__version__)\n' + ''.join(f'importlib.import_module("seqcourse.{m}")\n' for m in modules)
    p = subprocess.run([str(py), '-c', code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0 and p.stdout.strip() == VERSION, p.stderr[-3000:]
    # quick chapters that use what Colab's versions might lack: widgets (ipywidgets 7.7: rnn's slider, textgen's button
    # and output), pandas tables (hello); executed with Colab's kernel (ipykernel, jupyter_client at its versions)
    p = subprocess.run([str(py), '-m', 'pip', 'install', '-q', '-c', str(keep), 'papermill', 'ipykernel', 'nbclient', 'nbformat', 'pyyaml'],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    p = subprocess.run([str(venv/'bin'/'seqcourse'), 'run', *CHAPTERS, '--quick', '--build', str(tmp_path/'build')], cwd=ROOT,
                       capture_output=True, text=True, timeout=1800, env={**os.environ, 'PATH': f"{venv/'bin'}:{os.environ['PATH']}"})
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    runs = json.loads((tmp_path/'build'/'results'/'runs.json').read_text())
    assert {c: runs[c]['status'] for c in CHAPTERS} == dict.fromkeys(CHAPTERS, 'ok')
