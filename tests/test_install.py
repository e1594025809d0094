"""Installing the course package as a student meets it: the Colab cell of every chapter is the one template
(seqcourse.runner.colab_cell), it parses as IPython code, and, in a fresh venv that plays Colab (the newest TensorFlow,
NumPy, pandas, matplotlib, ipywidgets and IPython already there), it installs this version from the repository's tag
and changes nothing that was installed; `pip install --dry-run --report` of the wheel there replaces nothing.
The venv test is marked `install`: it downloads TensorFlow into a new venv (about ten minutes on the 2-core machine,
where pip keeps no cache); `pytest -m "not install"` leaves it out, as .ci/run does (it is a job of its own in
.github/workflows/test.yml)."""
import configparser, json, os, shutil, socket, subprocess, sys, time
from contextlib import contextmanager
from pathlib import Path
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT/'tools'))
import set_colab_cell  # noqa: E402
from seqcourse.runner import colab_cell  # noqa: E402

CFG = configparser.ConfigParser(delimiters=['=']); CFG.read(ROOT/'settings.ini')
VERSION = CFG['DEFAULT']['version']
COLAB = ['tensorflow', 'numpy', 'pandas', 'matplotlib', 'ipywidgets', 'ipython']   # what Colab has (newest releases)


@pytest.mark.parametrize('nb_path', set_colab_cell.chapter_notebooks(), ids=lambda p: p.stem)
def test_every_chapter_has_the_colab_cell_of_this_version(nb_path):
    nb = json.loads(nb_path.read_text())
    found = set_colab_cell.colab_cells(nb)
    assert len(found) == 1, f'{nb_path.name}: {len(found)} Colab cells; run `python tools/set_colab_cell.py`'
    assert ''.join(nb['cells'][found[0]]['source']) == colab_cell(ROOT), \
        f'{nb_path.name}: its Colab cell is not the template; run `python tools/set_colab_cell.py`'


def test_the_script_is_idempotent_and_keeps_ids(tmp_path):
    nb = {'cells': [{'cell_type': 'code', 'id': 'keep1', 'metadata': {'tags': ['x']}, 'outputs': [], 'execution_count': None,
                     'source': ["#| hide\n", "# In Colab, install the course package first\n", "import sys\n",
                                "if 'google.colab' in sys.modules: pass"]},
                    {'cell_type': 'code', 'id': 'p', 'metadata': {'tags': ['parameters']}, 'outputs': [], 'source': ['QUICK = False']}]}
    text = colab_cell(ROOT)
    nb, changed = set_colab_cell.with_colab_cell(nb, text)
    assert changed and nb['cells'][0]['id'] == 'keep1' and nb['cells'][0]['metadata'] == {'tags': ['x']}
    assert ''.join(nb['cells'][0]['source']) == text
    assert set_colab_cell.with_colab_cell(nb, text) == (nb, False)
    bare = {'cells': [{'cell_type': 'code', 'id': 'p', 'metadata': {'tags': ['parameters']}, 'outputs': [], 'source': ['QUICK = False']}]}
    bare, changed = set_colab_cell.with_colab_cell(bare, text)
    assert changed and ''.join(bare['cells'][0]['source']) == text and bare['cells'][1]['id'] == 'p' and bare['cells'][0]['id']


def test_the_colab_cell_is_ipython_code_pinned_to_this_version():
    from IPython.core.inputtransformer2 import TransformerManager
    cell = colab_cell(ROOT)
    assert f"_version, _repo = '{VERSION}', '{CFG['DEFAULT']['git_url'].rstrip('/')}'" in cell
    assert '%pip install -q -c /tmp/seqcourse-keep.txt "{_source}"' in cell      # visible: %pip, errors show
    code = TransformerManager().transform_cell(cell)
    compile(code, 'colab-cell', 'exec')
    assert "get_ipython().run_line_magic('pip'" in code


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
def test_colab_install_changes_nothing_colab_has(tmp_path, wheel):
    venv = tmp_path/'colab'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    py = venv/'bin'/'python'
    p = subprocess.run([str(py), '-m', 'pip', 'install', '-q', *COLAB], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    before = _freeze(py)
    # the loose requirements: installing the wheel here would add seqcourse and replace nothing
    report = tmp_path/'report.json'
    p = subprocess.run([str(py), '-m', 'pip', 'install', '--dry-run', '--quiet', '--report', str(report), str(wheel)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    planned = {i['metadata']['name'].lower(): i['metadata']['version'] for i in json.loads(report.read_text())['install']}
    assert planned == {'seqcourse': VERSION}, f'installing the wheel would also install or replace: {planned}'
    # the Colab cell itself, in IPython, with google.colab present; the package index is out of reach, so it takes the tag
    with _git_release(tmp_path) as url:
        cell = colab_cell(ROOT).replace(CFG['DEFAULT']['git_url'].rstrip('/'), url).replace('https://pypi.org', 'http://127.0.0.1:9')
        script = tmp_path/'cell.py'
        script.write_text("import sys, types; sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
                          "from IPython.core.interactiveshell import InteractiveShell\n"
                          f"r = InteractiveShell.instance().run_cell({cell!r})\nr.raise_error()\n")
        p = subprocess.run([str(py), str(script)], capture_output=True, text=True, timeout=900,
                           env={**os.environ, 'PATH': f"{venv/'bin'}:{os.environ['PATH']}"})
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert f'Installing seqcourse @ git+{url}@v{VERSION} (what Colab already has stays as it is)' in p.stdout
    after = _freeze(py)
    assert after.get('seqcourse') == VERSION, f'the Colab cell did not install seqcourse {VERSION}:\n{p.stdout[-3000:]}\n{p.stderr[-2000:]}'
    assert {k: v for k, v in after.items() if k != 'seqcourse'} == before, 'the Colab cell changed what was installed'
    p = subprocess.run([str(py), '-c', 'import seqcourse, seqcourse.data; print(seqcourse.__version__)'], cwd=tmp_path, capture_output=True, text=True)
    assert p.stdout.strip() == VERSION, p.stderr
