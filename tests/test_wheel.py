"The wheel carries the package and every dataset: install it in a fresh venv and load data outside the repo."
import subprocess, sys, zipfile
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


def test_wheel_metadata_names_the_licences_requirements_and_urls(wheel):
    "PEP 621 metadata from pyproject.toml: licence files, what the package imports as requirements, the rest as extras."
    from email.parser import Parser
    z = zipfile.ZipFile(wheel)
    info = next(n.split('/')[0] for n in z.namelist() if n.endswith('.dist-info/METADATA'))
    meta = Parser().parsestr(z.read(f'{info}/METADATA').decode())
    for f in ('LICENSE', 'LICENSE-content'):
        assert z.read(f'{info}/licenses/{f}') == (ROOT/f).read_bytes(), f'{f} is not in the wheel'
    assert meta['License-Expression'] == 'Apache-2.0' and meta['Name'] == 'seqcourse'
    import configparser
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    assert meta['Version'] == cfg['DEFAULT']['version']
    urls = dict(u.split(', ', 1) for u in meta.get_all('Project-URL'))
    assert urls['Source'] == cfg['DEFAULT']['git_url'] and 'Documentation' in urls and 'Issues' in urls
    base = sorted(r.split('>=')[0] for r in meta.get_all('Requires-Dist') if ';' not in r)
    assert base == ['ipython', 'keras', 'matplotlib', 'numpy', 'tensorflow'], base   # what seqcourse/*.py imports
    assert set(meta.get_all('Provides-Extra')) == {'chapters', 'grade', 'book', 'dev'}
    entry = z.read(f'{info}/entry_points.txt').decode()
    assert 'seqcourse = seqcourse.cli:main' in entry and 'seqcourse = seqcourse._modidx:d' in entry


def test_the_requirements_are_what_the_package_imports():
    "Every third-party module the package imports is a requirement, or an extra's (runner and classroom tools)."
    import ast
    top = set()
    for mod in (ROOT/'seqcourse').glob('*.py'):
        for node in ast.walk(ast.parse(mod.read_text())):
            if isinstance(node, ast.Import): top |= {a.name.split('.')[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module: top.add(node.module.split('.')[0])
    third = {m for m in top if m not in sys.stdlib_module_names and m != 'seqcourse'}
    # runner/classroom import their tools inside the functions that use them ([book] and [grade] extras)
    extras = {'papermill', 'nbformat', 'nbclient', 'yaml'}
    assert third - extras == {'IPython', 'keras', 'matplotlib', 'numpy', 'tensorflow'}, sorted(third)
    text = (ROOT/'pyproject.toml').read_text()
    for req in ('"tensorflow>=', '"keras>=', '"numpy>=', '"matplotlib>=', '"ipython>='): assert req in text
