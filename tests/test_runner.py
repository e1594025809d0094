"Tests of the runner and the book machinery: chapter discovery, errors, failures, directive translation."
import json, re, signal, subprocess, sys, time
from pathlib import Path
import nbformat
import pytest
from conftest import ROOT, BIN
from seqcourse.runner import (chapter_name, list_chapters, resolve_chapters, cell_directives, book_tags,
                              to_book_notebook, format_runs, ChapterRun, toc_entries, toc_chapters,
                              chapter_inputs, inputs_key, stage_book, book_files)


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


def _checkout(tmp_path, **notebooks):
    "A tiny course checkout: settings.ini and the given notebooks {file stem: [cell sources]}."
    (tmp_path/'nbs').mkdir(); (tmp_path/'settings.ini').write_text('[DEFAULT]\nlib_name = demo\n')
    for stem, sources in notebooks.items(): nbformat.write(_nb(*sources), tmp_path/'nbs'/f'{stem}.ipynb')
    return tmp_path


def _run(cwd, *args, timeout=300):
    return subprocess.run([str(BIN/'seqcourse'), 'run', *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_a_failing_chapter_is_named_and_the_others_still_run(tmp_path):
    "Executes two tiny notebooks with the real runner: one fails at a known cell, the other still runs; then the cache."
    _checkout(tmp_path, **{'00_bad': ['assert QUICK', 'raise ValueError("broken on purpose")', 'print("never")'],
                           '01_good': ['import os\nprint("mode", QUICK, os.environ["SEQCOURSE_BUILD"])']})
    p = _run(tmp_path, '--quick')
    assert p.returncode == 1, p.stdout + p.stderr
    assert 'FAILED bad: cell 4' in p.stdout and 'ValueError: broken on purpose' in p.stdout
    assert '1 chapter(s) failed: bad' in p.stderr
    build = tmp_path/'_build'
    good = nbformat.read(build/'executed'/'01_good.ipynb', as_version=4)
    out = ''.join(o.get('text', '') for c in good.cells if c.cell_type == 'code' for o in c.outputs)
    assert f"mode True {build}" in out
    assert not (build/'executed'/'00_bad.ipynb').exists()           # a failed run never lands among the executed copies
    bad = nbformat.read(build/'failed'/'00_bad.ipynb', as_version=4)  # it is kept aside, with its error
    assert any(o.get('ename') == 'ValueError' for c in bad.cells if c.cell_type == 'code' for o in c.outputs)
    runs = json.loads((build/'results'/'runs.json').read_text())
    assert runs['bad']['status'] == 'failed' and runs['good']['status'] == 'ok' and runs['good']['quick'] is True
    assert (build/'logs'/'good.kernel.log').exists()                 # the kernel's chatter went to a log, not the terminal
    assert 'running over TCP' not in p.stdout + p.stderr
    # the execution cache: the good chapter is not executed again; the bad one is; --force executes both
    p = _run(tmp_path, '--quick')
    assert re.search(r'good\s+ok \(cached\)', p.stdout) and 'good: unchanged since its last good run' in p.stdout
    assert 'FAILED bad' in p.stdout
    assert json.loads((build/'results'/'runs.json').read_text())['good'] == runs['good']   # its record is kept as it was
    p = _run(tmp_path, 'good', '--quick', '--force')
    assert p.returncode == 0 and '(cached)' not in p.stdout


def test_the_cache_key_follows_the_inputs(tmp_path):
    root = _checkout(tmp_path, **{'00_a': ['from seqcourse.core import check_int\nx = 1']})
    (root/'seqcourse').mkdir(); (root/'data').mkdir()
    (root/'seqcourse'/'core.py').write_text('from .data import y\n'); (root/'seqcourse'/'data.py').write_text('y = 1\n')
    (root/'data'/'t.txt').write_text('abc')
    nb = root/'nbs'/'00_a.ipynb'
    key = lambda **kw: inputs_key(chapter_inputs(nb, root, **kw))
    k0 = key()
    assert set(chapter_inputs(nb, root)['package']) == {'core', 'data'}   # what core imports counts too
    assert key() == k0 and key(quick=True) != k0 and key(seed=1) != k0
    for f, text in [(root/'seqcourse'/'data.py', 'y = 2\n'), (root/'data'/'t.txt', 'abd')]:
        f.write_text(text); assert key() != k0, f; k0 = key()


def test_a_timeout_names_the_cell_and_a_damaged_record_names_the_file(tmp_path):
    _checkout(tmp_path, **{'00_slow': ['x = 1', 'import time\ntime.sleep(60)  # a cell that hangs']})
    p = _run(tmp_path, '--cell-timeout', '3')
    assert p.returncode == 1
    assert 'cell 4 took longer than 3 s (--cell-timeout) and was stopped: import time' in p.stdout, p.stdout
    runs = tmp_path/'_build'/'results'/'runs.json'
    runs.write_text('{"slow": {"status": "ok"')                      # cut short
    p = _run(tmp_path)
    assert p.returncode == 2 and f"the run record {runs} is damaged" in p.stderr
    p = _run(tmp_path, '--seed', '-1')
    assert p.returncode == 2 and 'must be an integer of 0 or more' in p.stderr


@pytest.mark.parametrize('when', ['kernel starting', 'inside a cell'])
def test_an_interrupted_run_keeps_the_last_good_one(tmp_path, when):
    "Ctrl-C during a run: exit status 130, a short message, the last good copy/results/figures kept, runs.json says so."
    _checkout(tmp_path, **{'00_x': ['import os, pathlib, time\nb = pathlib.Path(os.environ["SEQCOURSE_BUILD"])',
                                    '(b/"figures"/"x").mkdir(parents=True, exist_ok=True); (b/"figures"/"x"/"f.png").write_text(str(SEED))\n'
                                    '(b/"results").mkdir(exist_ok=True); (b/"results"/"x.json").write_text(str(SEED))',
                                    '(b/"sleeping").write_text("1") if SEED == 1 else None\ntime.sleep(60 if SEED == 1 else 0)',
                                    'print("done", SEED)']})
    assert _run(tmp_path).returncode == 0
    build = tmp_path/'_build'
    good = (build/'executed'/'00_x.ipynb').read_text()
    (build/'logs'/'x.kernel.log').unlink()
    proc = subprocess.Popen([str(BIN/'seqcourse'), 'run', '--seed', '1'], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    flag = build/('logs/x.kernel.log' if when == 'kernel starting' else 'sleeping')  # the log opens as the kernel starts
    while not flag.exists() and time.time() - t0 < 120: time.sleep(0.05)
    if when == 'inside a cell': time.sleep(1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert 'interrupted' in err and 'Traceback' not in err + out and len(err.splitlines()) < 5, err
    assert (build/'executed'/'00_x.ipynb').read_text() == good
    assert (build/'results'/'x.json').read_text() == '0' and (build/'figures'/'x'/'f.png').read_text() == '0'
    assert json.loads((build/'results'/'runs.json').read_text())['x']['status'] == 'interrupted'


def test_output_widgets_do_not_hang_and_print_into_the_cell(tmp_path):
    "The runner does not play the Output widget: what a cell prints inside `with out:` stays the cell's output."
    code = ('import ipywidgets as w\nout = w.Output()\ndisplay(out)\n'
            'def write():\n    with out:\n        out.clear_output()\n        print("written")\nfor _ in range(20): write()')
    _checkout(tmp_path, **{'00_w': [code, 'print("next cell")']})
    p = _run(tmp_path, '--cell-timeout', '60')
    assert p.returncode == 0, p.stdout + p.stderr
    nb = nbformat.read(tmp_path/'_build'/'executed'/'00_w.ipynb', as_version=4)
    text = ''.join(o.get('text', '') for c in nb.cells if c.cell_type == 'code' for o in c.outputs)
    assert 'written' in text and 'next cell' in text


def _book_checkout(tmp_path):
    root = _checkout(tmp_path, **{'00_a': ['x = 1']})
    (root/'_toc.yml').write_text('format: jb-book\nroot: index\nchapters:\n  - file: nbs/00_a\n')
    (root/'_config.yml').write_text('title: t\nbibtex_bibfiles:\n  - refs.bib\n')
    (root/'refs.bib').write_text('@book{k, title={T}}\n'); (root/'index.md').write_text('# Home\n\n```{include} parts/table.md\n```\n')
    (root/'parts').mkdir(); (root/'parts'/'table.md').write_text('| a |\n|---|\n| 1 |\n')
    build = root/'_build'; (build/'executed').mkdir(parents=True); (build/'results').mkdir()
    nbformat.write(_nb('x = 1'), build/'executed'/'00_a.ipynb')
    return root, build


def test_the_book_takes_only_chapters_whose_last_run_is_ok(tmp_path):
    root, build = _book_checkout(tmp_path)
    for status in ('failed', 'interrupted'):
        (build/'results'/'runs.json').write_text(json.dumps({'a': {'status': status}}))
        with pytest.raises(FileNotFoundError, match=f"nbs/00_a.ipynb \\(its last run was {status}: run `seqcourse run a` again"):
            stage_book(root, build)
    (build/'results'/'runs.json').write_text(json.dumps({}))
    with pytest.raises(FileNotFoundError, match='its last run is not recorded'): stage_book(root, build)
    (build/'results'/'runs.json').write_text(json.dumps({'a': {'status': 'ok'}})); (root/'parts'/'table.md').unlink()
    with pytest.raises(FileNotFoundError, match=r'parts/table.md \(included by index.md\)'): stage_book(root, build)


def test_staging_copies_the_bibliography_and_leaves_unchanged_files_alone(tmp_path):
    root, build = _book_checkout(tmp_path)
    (build/'results'/'runs.json').write_text(json.dumps({'a': {'status': 'ok'}}))
    assert book_files(root) == ['_config.yml', '_toc.yml', 'refs.bib']
    src = stage_book(root, build)
    assert (src/'refs.bib').read_text() == (root/'refs.bib').read_text() and (src/'nbs'/'00_a.ipynb').exists()
    assert (src/'parts'/'table.md').exists()                           # a file a page includes comes along
    (src/'stale.md').write_text('gone soon')
    before = {p: p.stat().st_mtime_ns for p in src.rglob('*') if p.is_file() and p.name != 'stale.md'}
    time.sleep(0.05); (root/'index.md').write_text('# Home, changed\n\n```{include} parts/table.md\n```\n')
    stage_book(root, build)
    after = {p: p.stat().st_mtime_ns for p in src.rglob('*') if p.is_file()}
    assert [p.name for p in after if after[p] != before.get(p)] == ['index.md'] and not (src/'stale.md').exists()
