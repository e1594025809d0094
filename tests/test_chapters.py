"""Every chapter in the table of contents, executed in quick mode with the course's runner, then the book
built from the executed copies (Jupyter Book, warnings as errors). This also runs the notebooks' inline tests:
their assert cells execute in quick mode. Runs once per session (a few minutes on 2 cores): the `book` fixture is in conftest.py, and
tests/test_browser.py looks at the same book in a real browser."""
import json, subprocess
import nbformat
import pytest
from conftest import ROOT, BIN
from seqcourse.runner import toc_entries, toc_chapters

TOC = toc_entries((ROOT/'_toc.yml').read_text())
CHAPTERS = toc_chapters(ROOT)


@pytest.mark.parametrize('chapter', CHAPTERS)
def test_chapter_runs_in_quick_mode(book, chapter):
    build, _, runs = book
    assert chapter in runs, f'{chapter} was not executed'
    r = runs[chapter]
    assert r['status'] == 'ok', f"{chapter} failed: {r['error']} (executed copy: {r['output']})"
    assert r['quick'] is True
    nb = nbformat.read(r['output'], as_version=4)
    errors = [o for c in nb.cells if c.cell_type == 'code' for o in c.outputs if o.output_type == 'error']
    assert not errors


def test_book_builds_with_every_page(book):
    build, p, _ = book
    assert p.returncode == 0, f"seqcourse book --quick failed:\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}"
    html = build/'html'
    assert (html/'index.html').exists()
    for entry in TOC:
        page = html/(entry + '.html')
        assert page.exists(), f'{page} was not rendered'
    data_page = (html/'nbs'/'00_data.html').read_text()
    assert 'From text to tensors' in data_page and 'cell_output' in data_page   # rendered with its outputs
    assert '#| export' not in data_page and 'default_exp' not in data_page       # nbdev directives hidden


def test_chapters_write_results(book):
    build, _, runs = book
    for chapter in CHAPTERS:
        nb_text = next((ROOT/'nbs').glob(f'*_{chapter}.ipynb')).read_text()
        if f"save_results('{chapter}'" not in nb_text: continue   # reference pages measure nothing
        doc = json.loads((build/'results'/f'{chapter}.json').read_text())
        assert doc['quick'] is True and doc['results'], chapter
