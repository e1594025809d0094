"""Tests of seqcourse.exercises: checks and hints, student and instructor versions of the chapters,
`seqcourse assign` and `seqcourse grade` (on tiny synthetic notebooks, not on the heavy chapters)."""
import csv, json, re, subprocess
from pathlib import Path
import nbformat
import numpy as np
import pytest
from conftest import ROOT, BIN
import seqcourse.exercises as ex
from seqcourse.exercises import (Hint, exercise, check, expect_array, strip_solutions, strip_answers, checker_cell,
                                 student_notebook, instructor_notebook, exercise_ids, chapter_exercises, grade,
                                 format_grades, Grade, STUB_MARK)
from seqcourse.runner import cell_directives, chapter_name, list_chapters

CHAPTERS = list_chapters(ROOT)
WITH_EXERCISES = {n: p for n, p in CHAPTERS.items() if exercise_ids(nbformat.read(p, as_version=4))}
MARKER = re.compile(r'^\s*###\s*(BEGIN|END) SOLUTION\s*$|^\s*#\s*\|\s*solution\s*$', re.M)


# ---------------------------------------------------------------- checks and hints

def test_check_passes_and_a_wrong_answer_gets_a_hint(capsys, tmp_path, monkeypatch):
    log = tmp_path/'log.jsonl'
    monkeypatch.setenv('SEQCOURSE_GRADE_LOG', str(log))
    assert check('exercises-1', np.array([0, 0, 1, 0]))
    assert not check('exercises-1', [0, 0, 0, 1])
    out = capsys.readouterr().out
    assert '✓ exercises-1: passed' in out
    assert '✗ exercises-1: the one-hot row has the right shape (4,), but 2 of 4 entries differ; the first is at index (2,)' in out
    assert '[0, 0, 1, 0]' not in out  # the hint never shows the solution
    recs = [json.loads(l) for l in log.read_text().splitlines()]
    assert [r['status'] for r in recs] == ['pass', 'fail'] and 'index (2,)' in recs[1]['hint']


def test_not_attempted_and_errors_are_told_apart(capsys):
    def stub(*a): raise NotImplementedError('exercise data-3: write your code here')
    assert not check('data-3', stub) and 'not attempted yet' in capsys.readouterr().out
    assert not check('data-3', ...) and 'not attempted yet' in capsys.readouterr().out
    assert not check('data-3', lambda n, length, step: 1 / 0)
    assert 'your answer raised ZeroDivisionError' in capsys.readouterr().out


def test_unknown_exercise_and_bad_ids():
    with pytest.raises(ValueError, match="no exercise 'data-99'; known exercises: .*data-1"): check('data-99', 1)
    with pytest.raises(ValueError, match="looks like 'rnn-2'"): exercise('rnn2')
    with pytest.raises(ValueError, match="looks like 'rnn-2'"): exercise('rnn-')


def _hint(ex_id, answer):
    checker = ex._find_checker(ex_id)
    with pytest.raises(Hint) as e: checker(answer)
    return str(e.value)


def test_expect_array_hints_name_what_is_wrong():
    m = np.arange(6.).reshape(2, 3)
    def hint(a):
        with pytest.raises(Hint) as e: expect_array(a, m, 'X')
        return str(e.value)
    assert 'looks transposed' in hint(m.T)
    assert 'same number of entries' in hint(m.reshape(3, 2) + 1)
    assert 'NaN at index (0, 1)' in hint(np.where(m == 1, np.nan, m))
    assert '1 of 6 entries differ; the first is at index (1, 0)' in hint(m + (m == 3))
    assert 'should be an array of numbers' in hint('abc')
    sq = np.arange(4.).reshape(2, 2)
    with pytest.raises(Hint, match='transpose of what is expected'): expect_array(sq.T, sq)


def test_data_chapter_checkers_give_specific_hints():
    from seqcourse.data import Vocab, one_hot, windows
    v = Vocab.from_text('the cat sat.')
    right = one_hot(v.encode('cat'), len(v))
    ex._find_checker('data-1')(right)
    assert 'looks transposed' in _hint('data-1', right.T)
    assert 'integer codes' in _hint('data-1', v.encode('cat'))
    assert 'do not sum to 1' in _hint('data-1', right * 2)
    good = lambda s, L, step=1: windows(s, L, step)
    ex._find_checker('data-2')(good)
    last = lambda s, L, step=1: (windows(s, L, step)[0], windows(s, L, step)[0][:, -1])
    assert 'the target is the item that comes *after*' in _hint('data-2', last)
    short = lambda s, L, step=1: tuple(a[:-1] for a in windows(s, L, step))
    assert 'one window too few' in _hint('data-2', short)
    assert 'should be a function' in _hint('data-2', right)
    assert 'ignores the step' in _hint('data-3', lambda n, L, step=1: n - L)
    assert 'one too few' in _hint('data-3', lambda n, L, step=1: (n - L) // step)
    assert 'whole number' in _hint('data-3', lambda n, L, step=1: (n - L) / step)


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


def _solution_lines(nb):
    "Lines inside solution regions (or whole `#| solution` cells without markers) of a notebook, and all other lines."
    inside, outside = set(), set()
    for c in nb.cells:
        lines = c.source.splitlines()
        if c.cell_type != 'code': outside.update(l.strip() for l in lines); continue
        whole = any(re.match(r'^\s*#\s*\|\s*solution\s*$', l) for l in lines) and not any('SOLUTION' in l for l in lines)
        on = whole
        for l in lines:
            if re.match(r'^\s*###\s*BEGIN SOLUTION', l): on = True; continue
            if re.match(r'^\s*###\s*END SOLUTION', l): on = False; continue
            (inside if on else outside).add(l.strip())
    return {l for l in inside if len(l) > 3 and not l.startswith('#')} - outside


@pytest.mark.parametrize('name', sorted(WITH_EXERCISES))
def test_student_version_of_every_chapter_contains_no_solution(name):
    nb = nbformat.read(WITH_EXERCISES[name], as_version=4)
    student = student_notebook(nb, name)
    text = '\n'.join(c.source for c in student.cells)
    assert not MARKER.search(text), 'a solution marker or #| solution directive is left in the student version'
    code = '\n'.join(c.source for c in student.cells if c.cell_type == 'code')
    leaked = _solution_lines(nb) & {l.strip() for l in code.splitlines()}
    assert not leaked, f'solution lines left in the student version: {sorted(leaked)[:5]}'
    md = '\n'.join(c.source for c in student.cells if c.cell_type == 'markdown')
    assert not re.search(r'^\s*(:{3,}|`{3,})\{admonition\}\s*(Answer|Solution)', md, re.M), 'a folded answer is left in the student version'
    for c in student.cells:
        if c.cell_type == 'code':
            assert not c.outputs and c.execution_count is None
            assert checker_cell(c.source) != 'only', 'a checker cell is left in the student version'
    assert exercise_ids(student) == exercise_ids(nb)  # every check is kept
    for i in exercise_ids(nb): assert STUB_MARK.format(i) in code, f'no stub for {i}'
    assert student.metadata['seqcourse'] == {'chapter': name, 'version': 'student', 'exercises': exercise_ids(nb)}


@pytest.mark.parametrize('name', sorted(WITH_EXERCISES))
def test_instructor_version_keeps_every_cell_and_solution(name):
    nb = nbformat.read(WITH_EXERCISES[name], as_version=4)
    inst = instructor_notebook(nb, name)
    assert [c.source for c in inst.cells] == [c.source for c in nb.cells]
    assert all(not c.outputs for c in inst.cells if c.cell_type == 'code')
    for i in exercise_ids(nb): ex._find_checker(i)  # every exercise has a registered checker in the package


def _run_exercises(nb, chapter, ns=None):
    "Execute each exercise's solution cell and check cell in-process; return {id: (status of the solution cell, check result)}."
    import importlib
    ns = ns if ns is not None else {**vars(importlib.import_module(f'seqcourse.{chapter}')), 'np': np, 'check': check}
    code = [c for c in nb.cells if c.cell_type == 'code']
    out = {}
    for k, c in enumerate(code):
        ids = exercise_ids({'cells': [c]})
        if not ids or k == 0 or ids[0] in out: continue
        try: exec(cell_directives(code[k - 1].source)[1], ns); made = 'ok'
        except NotImplementedError as e: made = str(e)
        out[ids[0]] = (made, check(ids[0], ns['answer']) if 'answer' in ns else None)
        ns.pop('answer', None)
    return out


@pytest.mark.parametrize('name', ['data', 'exercises'])
def test_instructor_version_passes_its_checks_and_the_student_version_does_not(name, capsys):
    nb = nbformat.read(CHAPTERS[name], as_version=4)
    done = _run_exercises(instructor_notebook(nb, name), name)
    assert set(done) == set(exercise_ids(nb)) and all(v == ('ok', True) for v in done.values()), done
    todo = _run_exercises(student_notebook(nb, name), name)
    for i, (made, _) in todo.items(): assert made.startswith(f'exercise {i}: write your code here'), made


# ---------------------------------------------------------------- assign

def test_assign_writes_student_and_instructor_versions(tmp_path):
    out = tmp_path/'course'
    p = subprocess.run([str(BIN/'seqcourse'), 'assign', 'data', 'exercises', '--out', str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    manifest = json.loads((out/'assignment.json').read_text())
    assert manifest['chapters']['data']['exercises'][:3] == ['data-1', 'data-2', 'data-3'] and not manifest['missing_checkers']
    assert list(manifest['chapters']) == ['data', 'exercises']
    for name, entry in manifest['chapters'].items():
        student = nbformat.read(out/'student'/entry['notebook'], as_version=4)
        assert not MARKER.search('\n'.join(c.source for c in student.cells)) and student.metadata['seqcourse']['version'] == 'student'
        assert nbformat.read(out/'instructor'/entry['notebook'], as_version=4).metadata['seqcourse']['version'] == 'instructor'
    assert 'seqcourse grade' in (out/'README.md').read_text()


def test_assign_by_default_takes_the_book_chapters_with_exercises(tmp_path, monkeypatch):
    monkeypatch.setattr(ex, '_find_checker', lambda i: None)  # (checked above; importing every chapter module is slow)
    lines = []
    manifest = ex.assign(tmp_path/'a', root=ROOT, log=lines.append)
    toc = (ROOT/'_toc.yml').read_text()
    for name, entry in manifest['chapters'].items():
        assert re.search(rf'^\s*- file: nbs/{entry["notebook"][:-6]}\s*$', toc, re.M) and entry['exercises']
    assert 'data' in manifest['chapters'] and any(l.startswith('no exercises (not written): core') for l in lines)
    ex.assign(tmp_path/'a', ['data'], root=ROOT, log=lines.append)  # an earlier assignment is replaced
    assert sorted(p.name for p in (tmp_path/'a'/'student').iterdir()) == ['00_data.ipynb']


def test_assign_refuses_a_folder_with_other_files_and_unknown_chapters(tmp_path):
    (tmp_path/'thesis.tex').write_text('precious')
    p = subprocess.run([str(BIN/'seqcourse'), 'assign', '--out', str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and 'is not empty and is not an earlier assignment' in p.stderr
    p = subprocess.run([str(BIN/'seqcourse'), 'assign', 'nosuch', '--out', str(tmp_path/'new')], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "unknown chapter 'nosuch'" in p.stderr


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
    assert st['dave', 'exercises-1'].status == 'error' and 'the notebook stopped' in st['dave', 'exercises-1'].detail
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
    gs = ex._complete(gs + [Grade('cy', 'n.ipynb', 'c', '(notebook)', 'error', 'cannot be read'),
                            Grade('dee', 'Copy of n.ipynb', 'c', 'c-1', 'pass'), Grade('dee', 'm.ipynb', 'd', 'd-1', 'pass')])
    st = {(g.student, g.exercise): g.status for g in gs}
    assert st['ada', 'd-1'] == 'not attempted' and st['bob', 'c-1'] == 'not attempted' and st['cy', 'c-1'] == 'error'
    assert len([g for g in gs if g.student == 'dee']) == 2  # a renamed copy of a chapter is that chapter
    assert [ex._chapter_of(n) for n in ('Copy of 00_data (1).ipynb', 'sub/03_lstm.ipynb', 'mine.ipynb')] == ['data', 'lstm', 'mine']
    text = format_grades(gs)
    assert 'bob d-1 (fail): too big' in text and 'ada: 1 pass, 0 fail, 0 error, 1 not attempted (of 2)' in text


def test_grade_command_on_a_folder_without_notebooks_or_with_only_a_broken_one(tmp_path):
    p = subprocess.run([str(BIN/'seqcourse'), 'grade', str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and 'no notebooks (*.ipynb) under' in p.stderr
    (tmp_path/'01_rnnx.ipynb').write_text('not json')
    p = subprocess.run([str(BIN/'seqcourse'), 'grade', str(tmp_path), '--csv', str(tmp_path/'g.csv')], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and 'the notebook cannot be read' in p.stdout and (tmp_path/'g.csv').exists()
