"""The API reference (tools/api_ext.py, pages api/*.md) and the rule for what is public (tools/exports.py).

Every public module has a page in the book's table of contents; every name in its `__all__` appears on that page with
its parameters and their nbdev docments (the same ones fastcore reads); the pages build with warnings as errors. Every
notebook's `#| export` / `#| exporti` directives follow the rule in tools/exports.py (fix: `python tools/exports.py --apply`
then `nbdev_export`)."""
import importlib
import inspect
import json
import re
import shutil
import subprocess
import sys

import pytest
from conftest import BIN, ROOT

sys.path.insert(0, str(ROOT/'tools'))
import api_ext  # noqa: E402
import exports  # noqa: E402

MODULES = api_ext.public_modules()


def _short(m): return m.split('.')[-1]


def test_every_public_module_has_a_page_in_the_toc():
    toc = (ROOT/'_toc.yml').read_text()
    part = toc[toc.index('caption: API reference'):]
    entries = re.findall(r'file:\s*(\S+)', part)
    assert entries[0] == 'api/index', entries[:3]
    assert '{apidoc-modules}' in (ROOT/'api'/'index.md').read_text()
    for m in MODULES:
        page = ROOT/'api'/f'{_short(m)}.md'
        assert page.exists(), f"no API page for {m}: run `python tools/api_ext.py --write` and add api/{_short(m)} to _toc.yml"
        assert re.search(rf'^```{{apidoc}} {re.escape(m)}\s*$', page.read_text(), flags=re.M), f"{page} does not document {m}"
        assert f'api/{_short(m)}' in entries, f"api/{_short(m)} is not in _toc.yml's API reference part"
    stale = sorted(p.stem for p in (ROOT/'api').glob('*.md') if p.stem != 'index' and f'{api_ext.PKG}.{p.stem}' not in MODULES)
    assert not stale, f"API pages of modules that do not exist: {stale}"


def _sections(md):
    "{name: text} of the page: each top-level directive (data, function, class with its methods) up to the next."
    out, name = {}, None
    for line in md.splitlines():
        m = re.match(r'^`{4,}\{py:(?:function|class|exception|data)\} (\w+)', line)
        if m: name = m.group(1); out[name] = ''
        if name: out[name] += line + '\n'
    return out


def _runtime_params(obj):
    try: sig = inspect.signature(obj)
    except (TypeError, ValueError): return None
    return list(sig.parameters)


@pytest.mark.parametrize('module', MODULES)
def test_the_page_shows_every_name_with_its_parameters(module):
    mod = importlib.import_module(module)
    api = api_ext.module_api(module)
    assert api['all'] == list(getattr(mod, '__all__', [])), f"{module}: the page reads another __all__ than the module has"
    assert api['doc'] and api['doc'] == mod.__doc__, f"{module}: module docstring"
    sections = _sections(api_ext.module_markdown(module))
    for name in mod.__all__:
        assert name in sections, f"{module}.{name} is not on its page"
        obj, text = getattr(mod, name), sections[name]
        if not callable(obj) or (inspect.isclass(obj) and not api_ext.module_api(module)['items'][mod.__all__.index(name)]['params']
                                 and not any(b.__module__.startswith('seqcourse') for b in obj.__mro__[1:])):
            continue   # a constant, or a class that takes what a base class outside the course takes
        item = api['items'][mod.__all__.index(name)]
        runtime = _runtime_params(obj)
        if runtime is None: continue
        shown = [p['name'] for p in item['params']]
        assert shown == runtime, f"{module}.{name}: the page shows parameters {shown}, the code has {runtime}"
        for p in item['params']:
            assert re.search(rf"^- `\**{p['name']}`", text, flags=re.M), f"{module}.{name}: parameter {p['name']} is not listed"
            if p['doc']: assert ' '.join(p['doc'].split())[:40] in ' '.join(text.split()).replace('\\', ''), f"{module}.{name}: docment of {p['name']}"
        for m in item.get('members', []):
            assert re.search(rf"^```{{py:\w+}} {m['name']}\b", text, flags=re.M), f"{module}.{name}.{m['name']} is not on the page"


@pytest.mark.parametrize('module', MODULES)
def test_docments_are_read_as_fastcore_reads_them(module):
    docments = pytest.importorskip('fastcore.docments').docments
    mod = importlib.import_module(module)
    api = api_ext.module_api(module)
    for item in api['items']:
        if item['kind'] not in ('function', 'class') or not item['params'] or item.get('inherited'): continue
        obj = getattr(mod, item['name'])
        try: theirs = docments(obj, args_kwargs=True)
        except (TypeError, OSError): continue
        ours = {p['name']: p['doc'] for p in item['params']}
        for name, doc in ours.items():
            if name in theirs: assert (theirs[name] or None) == doc, f"{module}.{item['name']}({name}): fastcore reads {theirs[name]!r}, the page {doc!r}"


def test_names_documented_in_text_are_not_run_as_markup():
    "A docstring or comment that shows MyST syntax ({glue:text}`x`, a line starting with # or :) is shown, not run."
    assert api_ext._text('# not a heading') == '\\# not a heading'
    assert api_ext._text(':key: value') == '\\:key: value'
    assert api_ext._text('e.g. {glue:text}`name`, and `{x}`') == 'e.g. \\{glue:text}`name`, and `{x}`'
    assert api_ext._code('a`b') == '``a`b``'


def test_a_module_with_an_empty_all_says_so(tmp_path):
    src = tmp_path/'x.py'
    src.write_text('# AUTOGENERATED! DO NOT EDIT! File to edit: ../nbs/03_x.ipynb.\n__all__ = []\n__doc__ = "X."\ndef f(): pass\n')
    md = api_ext.module_markdown('x', src, notebook_doc='nbs/03_x')
    assert '{doc}`/nbs/03_x`' in md and 'used outside its own chapter' in md and 'py:function' not in md


def test_update_toc_rewrites_only_the_api_part():
    toc = ('parts:\n  - caption: A\n    chapters:\n      - file: nbs/00_data\n  - caption: API reference\n    chapters:\n'
           '      - file: api/index\n        sections:\n          - file: api/old\n          - file: api/core\n  - caption: Z\n    chapters:\n      - file: z\n')
    new = api_ext.update_toc(toc, ['seqcourse.core', 'seqcourse.data'])
    assert new == toc.replace('          - file: api/old\n          - file: api/core\n', '          - file: api/core\n          - file: api/data\n')
    with pytest.raises(ValueError, match='api/index'): api_ext.update_toc('parts: []\n')


def test_module_api_reads_signatures_docments_and_methods(tmp_path):
    src = tmp_path/'demo.py'
    src.write_text('''# AUTOGENERATED! DO NOT EDIT! File to edit: ../nbs/00_demo.ipynb.
"""A demo."""
__all__ = ['LIMIT', 'f', 'Box', 'Small']
# %% ../nbs/00_demo.ipynb #1
LIMIT = 3  # the most there can be
# %% ../nbs/00_demo.ipynb #2
def f(a:int, # the first
      b=2, # the second
      *args, c:str='x', # keyword only
      **kw) -> list: # what comes back
    "Do f."
def patch_to(cls):
    return lambda f: f
class Box:
    "A box."
    def __init__(self, size:int # how big
                ): self.size = size
    @property
    def area(self) -> int:
        "The area."
        return self.size ** 2
    def on_epoch_end(self, epoch, logs=None): pass
    def _private(self): pass
@patch_to(Box)
def grow(self, by=1 # how much
        ):
    "Grow it."
class Small(Box):
    "A smaller box."
''')
    api = api_ext.module_api('demo', src)
    assert api['doc'] == 'A demo.' and api['source_notebook'] == 'nbs/00_demo'
    limit, f, box, small = api['items']
    assert limit['kind'] == 'data' and limit['value'] == '3' and limit['doc'] == 'the most there can be'
    assert f['signature'] == "(a: int, b=2, *args, c: str = 'x', **kw) -> list"
    assert [(p['name'], p['doc']) for p in f['params']] == [('a', 'the first'), ('b', 'the second'), ('args', None),
                                                            ('c', 'keyword only'), ('kw', None)]
    assert f['returns'] == {'annotation': 'list', 'doc': 'what comes back'}
    assert box['signature'] == '(size: int)' and box['params'][0]['doc'] == 'how big'
    assert [(m['name'], m['kind']) for m in box['members']] == [('area', 'property'), ('grow', 'method')]
    assert box['members'][1]['params'][0]['doc'] == 'how much'
    assert small['inherited'] == 'Box' and [p['name'] for p in small['params']] == ['size']
    md = api_ext.module_markdown('demo', src)
    assert "````{py:function} f(a: int, b=2, *args, c: str = 'x', **kw) -> list" in md and '- `*args`' in md
    assert '**Parameters (those of `Box`)**' in md and '```{py:property} area' in md and '_private' not in md
    assert 'on_epoch_end' not in md   # no docstring, no docments: a framework's hook, not the module's API


def test_the_api_pages_build_with_warnings_as_errors(tmp_path):
    "A small book of only the API pages, with the course's _config.yml and extensions, builds with -W -n."
    jb = BIN/'jupyter-book'
    if not jb.exists(): pytest.skip('jupyter-book is not installed (pip install "seqcourse[book]")')
    import yaml

    from seqcourse.runner import book_files
    src = tmp_path/'book'
    for f in book_files(ROOT):
        if f == '_toc.yml': continue
        (src/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy(ROOT/f, src/f)
    shutil.copytree(ROOT/'api', src/'api')
    (src/'index.md').write_text('# The API pages\n\nOnly the API reference.\n')
    toc = {'format': 'jb-book', 'root': 'index', 'parts': [{'caption': 'API reference', 'chapters': [
        {'file': 'api/index', 'sections': [{'file': f'api/{_short(m)}'} for m in MODULES if (ROOT/'api'/f'{_short(m)}.md').exists()]}]}]}
    (src/'_toc.yml').write_text(yaml.safe_dump(toc, sort_keys=False))
    p = subprocess.run([str(jb), 'build', str(src), '--path-output', str(tmp_path/'out'), '-W', '-n', '--keep-going',
                        '--builder', 'html'], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]
    html = (tmp_path/'out'/'_build'/'html'/'api'/'core.html').read_text()
    assert 'check_int' in html and 'the argument' in html   # a signature and a docment made it to the page


# ---------------------------------------------------------------- tools/exports.py
def _nb(cells, path):
    nb = {'cells': [{'cell_type': t, 'id': f'c{i}', 'metadata': {}, 'source': s, **({'outputs': [], 'execution_count': None} if t == 'code' else {})}
                    for i, (t, s) in enumerate(cells)], 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')


def _demo_repo(root):
    (root/'nbs').mkdir(parents=True); (root/'tests').mkdir(); (root/'tools').mkdir()
    (root/'settings.ini').write_text('[DEFAULT]\nconsole_scripts = seqcourse=seqcourse.a:main\n')
    _nb([('code', '#| default_exp a'),
         ('code', '#| export\ndef used(): "x"'),
         ('code', '#| export\n#| hide\ndef local_one(): "y"\nLIMIT = 3'),
         ('code', '#| export\ndef mixed_pub(): pass\ndef mixed_loc(): pass'),
         ('code', '#| exporti\ndef documented(): pass'),
         ('code', '#| export\ndef main(): pass\ndef _private(): pass'),
         ('code', '#| export\n__doc__ = "A."'),
         ('code', 'local_one(); mixed_loc()')], root/'nbs'/'10_a.ipynb')
    _nb([('code', '#| default_exp b'),
         ('code', '#| export\nfrom seqcourse.a import used\nimport seqcourse.a as A\ndef g(): return A.mixed_pub()'),
         ('markdown', 'The helper `seqcourse.a.nowhere` is not a name.')], root/'nbs'/'20_b.ipynb')
    (root/'tests'/'test_a.py').write_text('from seqcourse.a import local_one, LIMIT\n')
    (root/'README.md').write_text('Call `documented()` yourself.\n\n```python\nfrom seqcourse.b import g\n```\n')


def test_exports_rule_on_a_small_repository(tmp_path):
    _demo_repo(tmp_path)
    r = exports.analyse(tmp_path)
    want = {tuple(c['names']): c['want'] for c in r['cells']}
    assert want[('used',)] == 'export'                       # another notebook imports it
    assert want[('local_one', 'LIMIT')] == 'exporti'         # its own notebook and its tests only
    assert want[('mixed_pub', 'mixed_loc')] == 'export'      # mixed: stays export, reported
    assert want[('documented',)] == 'export'                 # the README names it: back from exporti to export
    assert want[('main',)] == 'export'                       # the command line's entry point
    assert want[('g',)] == 'export' and want[()] is None     # the README's example imports g; the __doc__ cell: no name
    mixed = [c for c in r['cells'] if c['public'] and c['local']]
    assert [c['local'] for c in mixed] == [['mixed_loc']]
    assert exports.counts(r) == (7, 8) and exports.counts(r, after=True) == (6, 8)

    before = (tmp_path/'nbs'/'10_a.ipynb').read_text()
    changed = exports.apply(r)
    assert {tuple(c['names']) for c in changed} == {('local_one', 'LIMIT'), ('documented',)}
    text = (tmp_path/'nbs'/'10_a.ipynb').read_text()
    assert text.endswith('}\n') and text.startswith('{\n "cells": [\n  {')   # indent=1, trailing newline
    nb = json.loads(text)
    assert [c['id'] for c in nb['cells']] == [c['id'] for c in json.loads(before)['cells']]
    assert nb['cells'][2]['source'] == '#| exporti\n#| hide\ndef local_one(): "y"\nLIMIT = 3'
    assert nb['cells'][4]['source'] == '#| export\ndef documented(): pass'
    again = exports.analyse(tmp_path)
    assert all(c['want'] in (None, c['kind']) for c in again['cells']), 'a second --apply changes nothing'
    assert exports.main(['--check', '--root', str(tmp_path)]) == 0


def test_defined_names_are_what_nbdev_puts_in_all():
    "For every module, the names of its notebook's `#| export` cells are exactly the module's `__all__`."
    r = exports.analyse(ROOT)
    by_module = {}
    for c in r['cells']:
        if c['kind'] in ('export', 'exports'): by_module.setdefault(c['module'], []).extend(c['names'])
    for m in MODULES:
        mod_all = api_ext.module_api(m)['all']
        assert sorted(by_module.get(_short(m), [])) == sorted(mod_all), f"{m}: run nbdev_export"


def test_every_export_directive_follows_the_rule():
    "A name is in `__all__` when something outside its own notebook uses it (see tools/exports.py)."
    r = exports.analyse(ROOT)
    bad = [f"{c['notebook'].path.name} cell {c['id']}: {c['kind']} -> {c['want']} ({', '.join(c['names'])})"
           for c in r['cells'] if c['want'] and c['want'] != c['kind']]
    assert not bad, "run `python tools/exports.py --apply` then nbdev_export:\n" + '\n'.join(bad)
