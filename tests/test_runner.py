"Tests of the runner and the book machinery: chapter discovery, errors, failures, directive translation."
import json, re, subprocess, sys
from pathlib import Path
import nbformat
import pytest
from conftest import ROOT, BIN
from seqcourse.runner import (chapter_name, list_chapters, resolve_chapters, cell_directives, book_tags,
                              to_book_notebook, format_runs, ChapterRun, toc_entries, toc_chapters)


def test_chapter_names_and_resolution():
    chapters = list_chapters(ROOT)
    assert list(chapters)[0] == 'data' and chapters['data'] == ROOT/'nbs'/'00_data.ipynb'
    assert resolve_chapters(['data', '00_data', 'nbs/00_data.ipynb'], ROOT) == [chapters['data']] * 3
    assert resolve_chapters(None, ROOT) == list(chapters.values())
    with pytest.raises(ValueError, match="unknown chapter 'nosuchchapter'; the chapters are: data"):
        resolve_chapters(['nosuchchapter'], ROOT)


def test_unknown_chapter_on_the_command_line():
    p = subprocess.run([str(BIN/'seqcourse'), 'run', 'nosuchchapter'], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 2
    assert "unknown chapter 'nosuchchapter'" in p.stderr and 'the chapters are: data' in p.stderr


def test_outside_a_checkout_the_error_says_so(tmp_path):
    p = subprocess.run([str(BIN/'seqcourse'), 'list'], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 2 and 'no seqcourse checkout' in p.stderr


def test_toc_and_notebooks_agree():
    toc = toc_entries((ROOT/'_toc.yml').read_text())
    in_toc = {e for e in toc if e.startswith('nbs/')}
    on_disk = {f'nbs/{p.stem}' for p in (ROOT/'nbs').glob('*.ipynb')}
    assert in_toc <= on_disk, f"the toc names missing notebooks: {in_toc - on_disk}"
    assert on_disk <= in_toc, f"notebooks missing from the toc: {on_disk - in_toc}"
    for e in toc:
        if not e.startswith('nbs/'): assert (ROOT/(e + '.md')).exists(), e


def test_toc_chapters_are_the_notebooks_of_the_toc_in_book_order(tmp_path):
    (tmp_path/'nbs').mkdir(); (tmp_path/'settings.ini').write_text('[DEFAULT]\n')
    (tmp_path/'_toc.yml').write_text("format: jb-book\nroot: index\nparts:\n  - caption: A\n    chapters:\n"
                                     "      - file: nbs/02_rnn\n      - file: nbs/00_data.ipynb\n      - file: instructors\n")
    assert toc_entries((tmp_path/'_toc.yml').read_text()) == ['index', 'nbs/02_rnn', 'nbs/00_data.ipynb', 'instructors']
    assert toc_chapters(tmp_path) == ['rnn', 'data']
    assert toc_chapters(ROOT) == [chapter_name(e) for e in toc_entries((ROOT/'_toc.yml').read_text()) if e.startswith('nbs/')]


def _outside_fences(md):
    "Lines of a Markdown text that are not inside ``` code fences."
    inside = False
    for line in md.splitlines():
        if line.lstrip().startswith(('```', '~~~')): inside = not inside
        elif not inside: yield line


@pytest.mark.parametrize('nb_path', sorted((ROOT/'nbs').glob('*.ipynb')), ids=lambda p: p.stem)
def test_notebooks_are_clean_and_parametrised(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == 'code']
    assert all(not c.outputs and c.execution_count is None for c in code), 'commit notebooks without outputs (nbdev_clean)'
    params = [c for c in code if 'parameters' in c.metadata.get('tags', [])]
    assert len(params) == 1, 'exactly one cell tagged parameters'
    assert re.search(r'^QUICK\s*=\s*False', params[0].source, re.M) and re.search(r'^SEED\s*=', params[0].source, re.M)
    h1 = [l for c in nb.cells if c.cell_type == 'markdown' for l in _outside_fences(c.source) if l.startswith('# ')]
    assert len(h1) == 1, f'one title per chapter, found {h1}'


def test_directives_become_book_tags():
    dirs, code = cell_directives('#| export\n#|hide_output\n\nx = 1\n')
    assert dirs == {'export': '', 'hide_output': ''} and code.strip() == 'x = 1'
    assert book_tags({'hide': ''}) == ['remove-cell']
    assert book_tags({'echo': 'false'}) == ['remove-input'] and book_tags({'echo': 'true'}) == []
    assert book_tags({'solution': ''}) == ['hide-input']
    nb = {'cells': [{'cell_type': 'code', 'metadata': {'tags': ['parameters']}, 'source': ['#| export\n', 'y = 2']}]}
    to_book_notebook(nb)
    assert nb['cells'][0]['source'] == 'y = 2' and nb['cells'][0]['metadata']['tags'] == ['parameters']


def test_format_runs_names_failures():
    text = format_runs([ChapterRun('a', 'ok', 1.0, 'x', True), ChapterRun('b', 'failed', 2.0, 'y', True, 'cell 4 (In [3]): KeyError')])
    assert 'FAILED b: cell 4 (In [3]): KeyError' in text and re.search(r'total\s+3\.0', text)


def _nb(*sources, params='QUICK = False\nSEED = 0'):
    nb = nbformat.v4.new_notebook()
    nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    cell = nbformat.v4.new_code_cell(params); cell.metadata['tags'] = ['parameters']
    nb.cells = [nbformat.v4.new_markdown_cell('# T'), cell] + [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def test_a_failing_chapter_is_named_and_the_others_still_run(tmp_path):
    "Executes two tiny notebooks with the real runner: one fails at a known cell, the other still runs."
    (tmp_path/'nbs').mkdir(); (tmp_path/'settings.ini').write_text('[DEFAULT]\nlib_name = demo\n')
    nbformat.write(_nb('assert QUICK', 'raise ValueError("broken on purpose")', 'print("never")'), tmp_path/'nbs'/'00_bad.ipynb')
    nbformat.write(_nb('import os\nprint("mode", QUICK, os.environ["SEQCOURSE_BUILD"])'), tmp_path/'nbs'/'01_good.ipynb')
    p = subprocess.run([str(BIN/'seqcourse'), 'run', '--quick'], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, p.stdout + p.stderr
    assert 'FAILED bad: cell 4' in p.stdout and 'ValueError: broken on purpose' in p.stdout
    assert '1 chapter(s) failed: bad' in p.stderr
    good = nbformat.read(tmp_path/'_build'/'executed'/'01_good.ipynb', as_version=4)
    out = ''.join(o.get('text', '') for c in good.cells if c.cell_type == 'code' for o in c.outputs)
    assert f"mode True {tmp_path/'_build'}" in out
    bad = nbformat.read(tmp_path/'_build'/'executed'/'00_bad.ipynb', as_version=4)  # kept, with its error
    assert any(o.get('ename') == 'ValueError' for c in bad.cells if c.cell_type == 'code' for o in c.outputs)
    runs = json.loads((tmp_path/'_build'/'results'/'runs.json').read_text())
    assert runs['bad']['status'] == 'failed' and runs['good']['status'] == 'ok' and runs['good']['quick'] is True
