"""Tests of seqcourse.classroom: student and instructor versions of a chapter, `seqcourse assign` and
`seqcourse grade` (on tiny synthetic notebooks, not on the heavy chapters)."""
import csv, json, re, subprocess
import nbformat
import pytest
from conftest import ROOT, BIN
import seqcourse.classroom as cl
from seqcourse.classroom import (strip_solutions, strip_answers, checker_cell, student_notebook, instructor_notebook,
                                 grade, format_grades, Grade, STUB_MARK, course_chapters, course_code)
from seqcourse.runner import list_chapters

MARKER = re.compile(r'^\s*###\s*(BEGIN|END) SOLUTION\s*$|^\s*#\s*\|\s*solution\s*$', re.M)


# ---------------------------------------------------------------- student and instructor versions

def test_strip_solutions_replaces_regions_with_marked_stubs():
    src = "#| solution\nv = 4\n### BEGIN SOLUTION\nanswer = np.eye(v)[2]\n### END SOLUTION\nprint(answer)"
    out = strip_solutions(src, 'demo-1', after="assert check('demo-1', answer)")
    assert out.splitlines() == ['v = 4', "# YOUR CODE HERE: exercise demo-1 (it should set `answer`)",
                                f'raise {STUB_MARK.format("demo-1")} write your code here, then delete this line")', 'print(answer)']
    fn = "def f(x):\n    y = 2\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION"
    out = strip_solutions(fn, 'demo-2')
    assert 'x + y' not in out and '    raise NotImplementedError("exercise demo-2:' in out
    compile(out, 'stub', 'exec')  # still valid Python: the stub keeps the region's indentation
    assert 'secret' not in strip_solutions("#| solution\nanswer = 'secret'", 'demo-3')  # no markers: all of it is the solution


@pytest.mark.parametrize('bad, message', [
    ("### BEGIN SOLUTION\nx = 1", 'never closed'),
    ("x = 1\n### END SOLUTION", 'has no .### BEGIN SOLUTION. before it'),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", 'inside the region opened on line 1'),
])
def test_malformed_regions_are_errors_naming_the_place(bad, message):
    with pytest.raises(ValueError, match=f'chapter x, cell 3: .*{message}'): strip_solutions(bad, 'x-1', 'chapter x, cell 3')


def test_folded_answers_are_removed_and_unclosed_ones_are_errors():
    md = "Q?\n\n:::{admonition} Answer\n:class: dropdown\nThe secret answer.\n:::\n\n::::{admonition} Solution\nx\n::::\nEnd."
    out = strip_answers(md)
    assert 'secret' not in out and out.count('**Your answer:**') == 2 and out.endswith('End.')
    assert strip_answers(":::{note}\nkept\n:::") == ":::{note}\nkept\n:::"
    with pytest.raises(ValueError, match='never closed'): strip_answers(":::{admonition} Answer\nsecret")


def test_checker_cells_are_recognised():
    assert checker_cell("#| export\nfrom a import b\n_X = 1\n@exercise('a-1')\ndef _c(x):\n    'doc'\n    pass") == 'only'
    assert checker_cell("@ex.exercise('a-1')\ndef _c(x): pass") == 'only'
    assert checker_cell("@exercise('a-1')\ndef _c(x): pass\ndef helper(): pass") == 'mixed'
    assert checker_cell("def exercise(ex_id): pass") == ''


# ---------------------------------------------------------------- assign

def test_assign_writes_student_and_instructor_versions(tmp_path):
    out = tmp_path/'course'
    p = subprocess.run([str(BIN/'seqcourse'), 'assign', 'data', '--out', str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    manifest = json.loads((out/'assignment.json').read_text())
    assert manifest['chapters']['data']['exercises'][:3] == ['data-1', 'data-2', 'data-3'] and not manifest['missing_checkers']
    assert manifest['chapters']['data']['points'] == {i: 1 for i in manifest['chapters']['data']['exercises']}  # edit them
    assert list(manifest['chapters']) == ['data']
    for name, entry in manifest['chapters'].items():
        student = nbformat.read(out/'student'/entry['notebook'], as_version=4)
        assert not MARKER.search('\n'.join(c.source for c in student.cells)) and student.metadata['seqcourse']['version'] == 'student'
        assert nbformat.read(out/'instructor'/entry['notebook'], as_version=4).metadata['seqcourse']['version'] == 'instructor'
    assert 'seqcourse grade' in (out/'README.md').read_text()


def test_assign_by_default_takes_the_chapters_with_exercises_and_never_a_machinery_page(tmp_path, monkeypatch):
    monkeypatch.setattr(cl, '_has_checker', lambda i: True)  # (checked in test_exercises.py; importing every chapter module is slow)
    lines = []
    manifest = cl.assign(tmp_path/'a', root=ROOT, log=lines.append)
    assert list(manifest['chapters']) == [c for c in course_chapters(ROOT) if cl.exercise_ids(nbformat.read(list_chapters(ROOT)[c], as_version=4))]
    assert 'data' in manifest['chapters'] and all(e['exercises'] and not e['notebook'].startswith('9') for e in manifest['chapters'].values())
    cl.assign(tmp_path/'a', ['data'], root=ROOT, log=lines.append)  # an earlier assignment is replaced
    assert sorted(p.name for p in (tmp_path/'a'/'student').iterdir()) == ['00_data.ipynb']


def test_assign_refuses_a_folder_with_other_files_unknown_chapters_and_machinery_pages(tmp_path):
    (tmp_path/'thesis.tex').write_text('precious')
    p = subprocess.run([str(BIN/'seqcourse'), 'assign', '--out', str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and 'is not empty and is not an earlier assignment' in p.stderr
    p = subprocess.run([str(BIN/'seqcourse'), 'assign', 'nosuch', '--out', str(tmp_path/'new')], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "unknown chapter 'nosuch'" in p.stderr
    with pytest.raises(ValueError, match=r"'exercises' is not a chapter \(a page of the course machinery.*the chapters are: data, "):
        cl.assign(tmp_path/'new', ['data', 'exercises'], root=ROOT)
    assert not (tmp_path/'new').exists()


def test_the_chapters_are_the_notebooks_of_the_chapter_parts_of_the_toc(tmp_path):
    (tmp_path/'settings.ini').write_text('[DEFAULT]\n'); (tmp_path/'nbs').mkdir()
    (tmp_path/'_toc.yml').write_text("format: jb-book\nroot: index\nparts:\n  - caption: Foundations\n    chapters:\n"
        "      - file: notation\n      - file: nbs/00_data\n      - file: nbs/045_sequences\n  - caption: 'Case studies'\n"
        "    chapters:\n      - file: nbs/09_modern.ipynb\n  - caption: Appendix\n    chapters:\n      - file: nbs/88_speed\n"
        "  - caption: Course machinery (reference)\n    chapters:\n      - file: nbs/90_core\n      - file: instructors\n")
    assert course_chapters(tmp_path) == ['data', 'sequences', 'modern']


# ---------------------------------------------------------------- the student version: the lesson and the exercises only

@pytest.mark.parametrize('name', course_chapters(ROOT))
def test_the_student_version_holds_the_lesson_without_machinery(name):
    nb = nbformat.read(list_chapters(ROOT)[name], as_version=4)
    student = student_notebook(nb, name)
    code = [c.source for c in student.cells if c.cell_type == 'code']
    assert not [l for s in code for l in s.splitlines() if re.match(r'\s*#\s*\|', l)], 'an nbdev directive is left'
    assert not [s for s in code if re.match(r'\s*__doc__\s*=', s)], 'a __doc__ cell is left'
    hidden = {n for c in nb.cells if c.cell_type == 'code' and re.match(r'#\s*\|\s*export', c.source) and re.search(r'^#\s*\|\s*hide\s*$', c.source, re.M)
              for n in re.findall(r'^(?:def|class)\s+(\w+)', c.source, re.M)}
    defined = {n for s in code for n in re.findall(r'^(?:def|class)\s+(\w+)', s, re.M)}
    assert not hidden & defined, f'hidden helpers defined again in the student version: {sorted(hidden & defined)}'
    assert any('google.colab' in s for s in code[:3]), 'the Colab install cell is gone'
    assert [c.source for c in student.cells if c.cell_type == 'markdown'][:1] == [nb.cells[0].source]  # the lesson starts as it did


# ---------------------------------------------------------------- grade (tiny synthetic notebooks, real kernels)

def _tiny_instructor():
    "A small chapter with two exercises that use the real checkers (no TensorFlow), and a cell after the last check."
    nb = nbformat.v4.new_notebook()
    nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    p = nbformat.v4.new_code_cell('QUICK = False\nSEED = 0'); p.metadata['tags'] = ['parameters']
    cells = [nbformat.v4.new_markdown_cell('# Tiny'), p,
             nbformat.v4.new_code_cell("from seqcourse.exercises import check\nprint('mode', QUICK)"),
             nbformat.v4.new_markdown_cell('Why?\n\n:::{admonition} Answer\n:class: dropdown\nBecause.\n:::'),
             nbformat.v4.new_code_cell('#| solution\n### BEGIN SOLUTION\nanswer = [0, 0, 1, 0]\n### END SOLUTION'),
             nbformat.v4.new_code_cell("assert check('exercises-1', answer)"),
             nbformat.v4.new_code_cell('#| solution\n### BEGIN SOLUTION\ndef n_examples(n, length, step=1):\n'
                                       '    return (n - length + step - 1) // step\n### END SOLUTION\nanswer = n_examples'),
             nbformat.v4.new_code_cell("assert check('data-3', answer)"),
             nbformat.v4.new_code_cell("raise SystemExit('cells after the last check must not run when grading')")]
    nb.cells = cells
    return nb


def _fill(student, answers, extra=None):
    "A student's copy: each stub replaced by the given code; `extra` cells inserted after the first code cells."
    nb = nbformat.from_dict(json.loads(json.dumps(student)))
    for c in nb.cells:
        for i, code in answers.items():
            if STUB_MARK.format(i) in c.source:
                c.source = '\n'.join([code] + [l for l in c.source.splitlines() if f'exercise {i}' not in l])
    for k, src in (extra or {}).items(): nb.cells.insert(k, nbformat.v4.new_code_cell(src))
    return nb


def test_grading_reports_each_exercise_and_one_broken_notebook_does_not_stop_the_others(tmp_path, capsys):
    inst = _tiny_instructor()
    student = student_notebook(inst, 'tiny')
    subs = tmp_path/'subs'
    for who, nb in {
        'ada': _fill(student, {'exercises-1': 'answer = [0, 0, 1, 0]', 'data-3': 'def n_examples(n, length, step=1):\n    return (n - length) // step'}),
        'carl': _fill(student, {'data-3': 'def n_examples(n, length, step=1):\n    return (n -'}, {3: "raise RuntimeError('a chapter cell the student broke')"}),
        'dave': _fill(student, {'exercises-1': 'answer = [0, 0, 1, 0]'}, {3: 'import os; os._exit(1)'}),  # the kernel dies
        'key': instructor_notebook(inst, 'tiny'),
    }.items():
        (subs/who).mkdir(parents=True); nbformat.write(nb, subs/who/'00_tiny.ipynb')
    (subs/'bob').mkdir(); (subs/'bob'/'00_tiny.ipynb').write_text('{"cells": [{"cell_type": "co')  # a truncated upload
    (subs/'.ipynb_checkpoints').mkdir(); nbformat.write(inst, subs/'.ipynb_checkpoints'/'00_tiny.ipynb')  # skipped

    grades = grade(subs, timeout=60)
    st = {(g.student, g.exercise): g for g in grades}
    assert {s for s, _ in st} == {'ada', 'bob', 'carl', 'dave', 'key'}
    assert st['key', 'exercises-1'].status == 'pass' and st['key', 'data-3'].status == 'pass'   # the instructor version passes
    assert st['ada', 'exercises-1'].status == 'pass'
    assert st['ada', 'data-3'].status == 'fail' and 'one too few' in st['ada', 'data-3'].detail   # wrong answer: a hint
    assert st['bob', 'exercises-1'].status == 'error' and 'cannot be read' in st['bob', 'data-3'].detail  # completed from the others
    assert st['carl', 'exercises-1'].status == 'not attempted'
    assert st['carl', 'data-3'].status == 'error' and 'SyntaxError' in st['carl', 'data-3'].detail
    assert st['dave', 'exercises-1'].status == 'error' and 'the kernel died in cell 4' in st['dave', 'exercises-1'].detail
    assert st['dave', 'data-3'].status == 'not attempted'  # the kernel died, but this stub was never touched

    graded = nbformat.read(subs/'_graded'/'key'/'00_tiny.ipynb', as_version=4)
    assert not any('must not run' in c.source for c in graded.cells)                 # stopped after the last check
    assert any("mode True" in o.get('text', '') for c in graded.cells for o in c.get('outputs', []))  # QUICK injected
    rows = list(csv.DictReader(open(subs/'_graded'/'grades.csv')))
    assert len(rows) == len(grades) and {r['status'] for r in rows} == {'pass', 'fail', 'error', 'not attempted'}
    out = capsys.readouterr().out
    assert re.search(r'^exercises-1\s+pass\s+error\s+not attempted\s+error\s+pass$', out, re.M), out
    assert 'ada: 1 pass, 1 fail, 0 error, 0 not attempted (of 2)' in out


def test_the_table_is_completed_from_the_other_students():
    gs = [Grade('ada', 'n.ipynb', 'c', 'c-1', 'pass'), Grade('bob', 'm.ipynb', 'd', 'd-1', 'fail', 'too big')]
    gs = cl._complete(gs + [Grade('cy', 'n.ipynb', 'c', '(notebook)', 'error', 'cannot be read'),
                            Grade('dee', 'Copy of n.ipynb', 'c', 'c-1', 'pass'), Grade('dee', 'm.ipynb', 'd', 'd-1', 'pass')])
    st = {(g.student, g.exercise): g.status for g in gs}
    assert st['ada', 'd-1'] == 'not attempted' and st['bob', 'c-1'] == 'not attempted' and st['cy', 'c-1'] == 'error'
    assert len([g for g in gs if g.student == 'dee']) == 2  # a renamed copy of a chapter is that chapter
    assert [cl._chapter_of(n) for n in ('Copy of 00_data (1).ipynb', 'sub/03_lstm.ipynb', 'mine.ipynb')] == ['data', 'lstm', 'mine']
    text = format_grades(gs)
    assert 'bob d-1 (fail): too big' in text and 'ada: 1 pass, 0 fail, 0 error, 1 not attempted (of 2)' in text


def test_grade_command_on_a_folder_without_notebooks_or_with_only_a_broken_one(tmp_path):
    p = subprocess.run([str(BIN/'seqcourse'), 'grade', str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and 'no notebooks (*.ipynb) under' in p.stderr
    (tmp_path/'01_rnnx.ipynb').write_text('not json')
    p = subprocess.run([str(BIN/'seqcourse'), 'grade', str(tmp_path), '--csv', str(tmp_path/'g.csv')], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and 'the notebook cannot be read' in p.stdout and (tmp_path/'g.csv').exists()


def test_the_machinery_pages_check_no_exercise_so_assign_skips_them():
    "The classroom page builds demonstration chapters from strings: none of its own cells may look like a check cell."
    for page in ('92_runner', '97_classroom', '98_cli'):
        assert cl.exercise_ids(nbformat.read(ROOT/'nbs'/f'{page}.ipynb', as_version=4)) == [], page


# ---------------------------------------------------------------- a hostile class (issue 19's "done means")

def _hostile_class(subs):
    "Ten folders: a correct notebook and every way we know to break grading or fake a pass; returns the classmate's file path."
    student = student_notebook(_tiny_instructor(), 'tiny')
    right = {'exercises-1': 'answer = [0, 0, 1, 0]', 'data-3': 'def n_examples(n, length, step=1):\n    return (n - length + step - 1) // step'}
    wrong = {'exercises-1': 'answer = [1, 0, 0, 0]'}
    ada = subs/'ada'/'00_tiny.ipynb'
    forge_hook = ("import re\ndef _forge(info):\n    m = re.search(r'_seqcourse_grade_([0-9a-f]{32})', info.raw_cell)\n"
                  "    if m: print('\\n' + m.group(1) + ' {\"exercise\": \"exercises-1\", \"status\": \"pass\", \"hint\": \"\"}')\n"
                  "get_ipython().events.register('pre_run_cell', _forge)")
    cls = {
        'ada': _fill(student, right),                                                       # correct
        'carl': _fill(student, {**right, 'data-3': 'while True: pass'}),                   # an infinite loop
        'dave': _fill(student, right, {3: 'import os, signal; os.kill(os.getpid(), signal.SIGKILL)'}),  # the kernel killed
        'eve': _fill(student, right, {3: "import sys\nsys.stdout.write('x' * 50_000_000)"}),      # 50 MB of output
        'fay': _fill(student, wrong, {3: "import seqcourse.exercises as ex\nex._CHECKS['exercises-1'] = lambda a: None"}),  # registry patch
        'gus': _fill(student, wrong, {3: "import json, os\nopen(os.environ.get('SEQCOURSE_GRADE_LOG', 'grades.jsonl'), 'a').write("
                                         "json.dumps({'exercise': 'exercises-1', 'status': 'pass', 'cell': 5}) + '\\n')"}),  # forged log line
        'hal': _fill(student, wrong, {3: forge_hook}),                                      # forged grader output
        'ivy': _fill(student, wrong, {3: f"for p in ('../ada/00_tiny.ipynb', {str(ada)!r}):\n    try: open(p, 'w').write('{{}}')\n"
                                         f"    except OSError: pass\nopen({str(ada.parent/'planted.txt')!r}, 'w').write('x')"}),  # a classmate's folder
        '_x': _fill(student, right),                                                        # a folder named _x
    }
    for who, nb in cls.items():
        (subs/who).mkdir(parents=True); nbformat.write(nb, subs/who/'00_tiny.ipynb')
    (subs/'bob').mkdir(); (subs/'bob'/'00_tiny.ipynb').write_text('{"cells": [{"cell_type": "co')   # broken JSON
    (secret := subs.parent/'secret.txt').write_text('TOP-SECRET-CONTENT')
    (subs/'jon').mkdir(); (subs/'jon'/'00_tiny.ipynb').symlink_to(secret)                # a symlink
    (subs.parent/'instructor').mkdir(); nbformat.write(instructor_notebook(_tiny_instructor(), 'tiny'), subs.parent/'instructor'/'00_tiny.ipynb')
    return ada


@pytest.fixture(scope='module')
def hostile(tmp_path_factory):
    subs = tmp_path_factory.mktemp('hostile')/'subs'
    ada = _hostile_class(subs)
    before = ada.read_bytes()
    lines = []
    grades = grade(subs, timeout=3, notebook_timeout=60, jobs=2, points={'exercises-1': 2, 'data-3': 3}, feedback=True,
                   log=lines.append, instructor=subs.parent/'instructor')
    return subs, ada, before, grades, '\n'.join(lines)


def test_a_hostile_class_is_graded_honestly(hostile):
    subs, ada, before, grades, text = hostile
    print(text)
    st = {(g.student, g.exercise): g for g in grades}
    assert {s for s, _ in st} == {'ada', 'bob', 'carl', 'dave', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jon', '_x'}
    assert st['ada', 'exercises-1'].status == st['ada', 'data-3'].status == 'pass' and st['ada', 'data-3'].points == 3
    assert ada.read_bytes() == before and not (ada.parent/'planted.txt').exists()   # no classmate's file changed
    assert st['_x', 'exercises-1'].status == 'pass'                                  # every folder gets a row
    assert st['bob', 'exercises-1'].status == 'error' and 'cannot be read' in st['bob', 'exercises-1'].detail
    assert st['carl', 'exercises-1'].status == 'pass'
    assert st['carl', 'data-3'].status == 'error' and st['carl', 'data-3'].detail.startswith('your code exceeded 3 s (in the cell before its check)')
    assert all(g.status == 'error' and 'the kernel died' in g.detail for g in grades if g.student == 'dave')
    assert st['eve', 'exercises-1'].status == 'pass' and (subs/'_graded'/'eve'/'00_tiny.ipynb').stat().st_size < 3_000_000
    assert 'output capped' in (subs/'_graded'/'grades.csv').read_text()
    for who in ('fay', 'gus', 'hal'):                                                 # no fake pass; each flagged
        assert st[who, 'exercises-1'].status in ('fail', 'error') and st[who, 'exercises-1'].points == 0, who
        assert st[who, 'exercises-1'].flags.startswith('suspicious'), who
    assert 'checker registry' in st['fay', 'exercises-1'].flags and 'grading log' in st['gus', 'exercises-1'].flags
    assert 'forged' in st['hal', 'exercises-1'].flags
    assert 'outside its working folder' in st['ivy', 'exercises-1'].flags
    assert not [w for w in ('ada', 'carl', 'eve', '_x') if 'suspicious' in st[w, 'exercises-1'].flags]  # their own cells are harmless
    assert 'suspicious' not in (subs/'_graded'/'feedback'/'fay.md').read_text()      # flags are for the instructor only
    assert st['jon', 'exercises-1'].status == 'error' and 'refused: 00_tiny.ipynb is a symbolic link' in st['jon', 'data-3'].detail
    graded = (subs/'_graded'/'grades.csv').read_text() + (subs/'_graded'/'gradebook.csv').read_text()
    assert 'TOP-SECRET' not in graded + text                                        # the link's target is never read
    book = list(csv.DictReader(open(subs/'_graded'/'gradebook.csv')))
    assert list(book[0]) == ['student', 'exercises-1', 'data-3', 'total']
    assert {r['student']: r['total'] for r in book}['ada'] == '5' and {r['student']: r['total'] for r in book}['fay'] == '0'
    assert '5 of 5 points' in (subs/'_graded'/'feedback'/'ada.md').read_text()


def test_the_same_class_through_a_dask_cluster_gives_the_same_table(hostile, tmp_path):
    distributed = pytest.importorskip('dask.distributed')
    subs, _, _, grades, _ = hostile
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
         distributed.Client(cluster) as client:
        again = grade(subs, out=tmp_path/'dask', timeout=3, notebook_timeout=60, points={'exercises-1': 2, 'data-3': 3},
                      executor=client.get_executor(), log=lambda m: None, instructor=subs.parent/'instructor')
    assert format_grades(again) == format_grades(grades)                # the table, hints and flags
    assert [(g.student, g.exercise, g.status, g.points) for g in again] == [(g.student, g.exercise, g.status, g.points) for g in grades]
    assert (tmp_path/'dask'/'gradebook.csv').read_text() == (subs/'_graded'/'gradebook.csv').read_text()


@pytest.mark.parametrize('kw, message', [({'timeout': 0}, 'timeout must be an integer >= 1, got 0'),
                                         ({'timeout': -5}, 'timeout must be an integer >= 1, got -5'),
                                         ({'jobs': 0}, 'jobs must be an integer >= 1'),
                                         ({'notebook_timeout': 0}, 'notebook_timeout must be an integer >= 1')])
def test_limits_that_would_turn_grading_off_are_refused(tmp_path, kw, message):
    with pytest.raises(ValueError, match=re.escape(message)): grade(tmp_path, **kw)


def test_points_come_from_the_assignment_and_a_pass_earns_them(tmp_path):
    (tmp_path/'assignment.json').write_text(json.dumps({'chapters': {'data': {'exercises': ['data-1'], 'points': {'data-1': 2.5}}}}))
    assert cl.read_points(tmp_path/'assignment.json') == {'data-1': 2.5} == cl.read_points(None, tmp_path)
    with pytest.raises(ValueError, match='points of exercise data-1 must be a finite number >= 0, got -1'): cl.read_points({'data-1': -1})
    with pytest.raises(FileNotFoundError, match='nope.json'): cl.read_points(tmp_path/'nope.json')
    gs = cl._score([Grade('a', 'n', 'data', 'data-1', 'pass'), Grade('a', 'n', 'data', 'data-2', 'fail')], {'data-1': 2.5})
    assert [(g.points, g.max_points) for g in gs] == [(2.5, 2.5), (0, 1)]
    cl.write_gradebook(gs, tmp_path/'gb.csv')
    assert (tmp_path/'gb.csv').read_text().splitlines() == ['student,data-1,data-2,total', 'a,2.5,0,2.5']


def test_grade_main_takes_the_command_line_options(tmp_path):
    (tmp_path/'sub').mkdir(); (tmp_path/'sub'/'01_rnnx.ipynb').write_text('not json'); (tmp_path/'sub'/'notes.txt').write_text('hi')
    (tmp_path/'empty').mkdir()
    assert cl.grade_main([str(tmp_path), '--jobs', '2', '--timeout', '5', '--notebook-timeout', '30', '--feedback',
                          '--gradebook', str(tmp_path/'gb.csv')]) == 0
    rows = list(csv.DictReader(open(tmp_path/'_graded'/'grades.csv')))
    assert list(rows[0])[:6] == ['student', 'chapter', 'exercise', 'status', 'points', 'message']
    said = {(r['student'], r['exercise']): r['message'] for r in rows}
    assert 'notes.txt is not a notebook' in said['sub', '(refused)'] and said['empty', '(notebook)'] == 'no notebook handed in'
    assert (tmp_path/'gb.csv').exists() and (tmp_path/'_graded'/'feedback'/'sub.md').exists()
    with pytest.raises(ValueError, match='timeout must be an integer >= 1, got 0'): cl.grade_main([str(tmp_path), '--timeout', '0'])


def test_a_notebook_has_a_wall_clock_limit_as_well_as_a_cell_limit(tmp_path):
    nb = _fill(student_notebook(_tiny_instructor(), 'tiny'), {'exercises-1': 'import time\ntime.sleep(60)\nanswer = [0, 0, 1, 0]'})
    nbformat.write(nb, tmp_path/'00_tiny.ipynb')
    gs = cl.grade_notebook(tmp_path/'00_tiny.ipynb', tmp_path/'out', 'ada', timeout=50, notebook_timeout=12)
    assert gs[0].status == 'error' and "notebook" in gs[0].detail and '12 s limit' in gs[0].detail, gs[0].detail
    assert gs[0].seconds < 40


# ---------------------------------------------------------------- an honest class (issue 25): nothing of the course is suspicious

def _honest(student):
    "A student's data chapter with wrong answers, a changed seed, cells of their own, a question's text deleted and the set-up re-commented."
    nb = _fill(student, {'data-1': 'answer = np.ones((3, len(v)))',
                         'data-2': 'def my_windows(seq, length, step=1):\n    return windows(seq, length, step)[0], windows(seq, length, step)[0][:, -1]',
                         'data-3': 'def n_examples(n, length, step=1):\n    return (n - length) // step'})
    code = [c for c in nb.cells if c.cell_type == 'code']
    code[1].source = code[1].source.replace('SEED = 0', 'SEED = 1')  # the parameters cell
    code[0].source = '# my notes: run this first in Colab\n' + code[0].source.replace('\n\n', '\n')  # the Colab cell, laid out anew
    nb.cells = [c for c in nb.cells if not c.source.startswith('**2.**')]
    k = next(i for i, c in enumerate(nb.cells) if 'windows(np.arange(10), 4)' in c.source)
    nb.cells[k + 1:k + 1] = [nbformat.v4.new_code_cell(s) for s in ("print(X.shape, y[:3])", "%time Vocab.from_text(load_text('sentences'))",
                                                                     "!ls\nopen('my-notes.txt', 'w').write('windows overlap')")]
    return nb


@pytest.fixture(scope='module')
def honest(tmp_path_factory):
    "The instructor version and an honest student with wrong answers, of the real data chapter, graded in quick mode."
    tmp = tmp_path_factory.mktemp('honest')
    cl.assign(tmp/'course', ['data'], root=ROOT, log=lambda m: None)
    key = nbformat.read(tmp/'course'/'instructor'/'00_data.ipynb', as_version=4)
    ann = _honest(nbformat.read(tmp/'course'/'student'/'00_data.ipynb', as_version=4))
    for who, nb in (('key', key), ('ann', ann)):
        (tmp/'subs'/who).mkdir(parents=True); nbformat.write(nb, tmp/'subs'/who/'00_data.ipynb')
    lines = []
    grades = grade(tmp/'subs', points=tmp/'course'/'assignment.json', jobs=2, timeout=120, log=lines.append)
    return tmp, key, ann, grades, '\n'.join(lines)


def test_an_honest_class_and_the_instructor_version_are_never_flagged(honest):
    tmp, key, ann, grades, text = honest
    print(text)
    st = {(g.student, g.exercise): g for g in grades}
    assert [st['key', i].status for i in ('data-1', 'data-2', 'data-3')] == ['pass'] * 3     # the solutions pass
    assert [st['ann', i].status for i in ('data-1', 'data-2', 'data-3')] == ['fail'] * 3     # wrong answers get hints
    assert 'one too few' in st['ann', 'data-3'].detail
    assert not [g for g in grades if g.flags], [g.flags for g in grades if g.flags]          # no row is flagged
    assert 'suspicious' not in text and 'flags:' not in text
    assert {r['flags'] for r in csv.DictReader(open(tmp/'subs'/'_graded'/'grades.csv'))} == {''}
    assert cl._flags(key).startswith('suspicious')  # read whole, the course's own cells would have been flagged


def test_only_what_a_student_changed_or_added_is_flagged(honest):
    _, key, ann, _, _ = honest
    own = course_code(nbformat.read(ROOT/'nbs'/'00_data.ipynb', as_version=4), 'data')
    assert cl._flags(key, own) == cl._flags(ann, own) == ''
    colab = next(k for k, c in enumerate(ann.cells) if 'google.colab' in c.source)
    ann.cells[colab].source += "\nsys.modules['seqcourse.exercises'] = None"          # a line added to a course cell
    ann.cells.append(nbformat.v4.new_code_cell("import builtins\nbuiltins.print = lambda *a: None"))  # a cell of one's own
    assert cl._flags(ann, own) == (f"suspicious: cell {colab + 1} touches the import machinery; "
                                   f"cell {len(ann.cells)} touches the import machinery or built-ins, the built-ins")


@pytest.mark.parametrize('name', course_chapters(ROOT))
def test_the_course_code_of_every_chapter_covers_both_versions_and_nothing_added(name):
    nb = nbformat.read(list_chapters(ROOT)[name], as_version=4)
    own = course_code(nb, name)
    student = student_notebook(nb, name)
    assert cl._flags(instructor_notebook(nb, name), own) == cl._flags(student, own) == ''
    student.cells.insert(3, nbformat.v4.new_code_cell("import importlib\nimportlib.reload(sys)"))
    assert cl._flags(student, own) == 'suspicious: cell 4 touches the import machinery or built-ins'
