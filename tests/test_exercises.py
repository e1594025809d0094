"""Tests of seqcourse.exercises, the student's side: checks and hints, and the exercises of every chapter
(a checker for each, no solution left in its student version, the instructor version passes its checks).
Assigning and grading are tested in test_classroom.py."""
import json, re
import nbformat
import numpy as np
import pytest
from conftest import ROOT
import seqcourse.exercises as ex
from seqcourse.exercises import Hint, exercise, check, expect_array
from seqcourse.classroom import checker_cell, student_notebook, instructor_notebook, exercise_ids, STUB_MARK
from seqcourse.runner import cell_directives, list_chapters

CHAPTERS = list_chapters(ROOT)
WITH_EXERCISES = {n: p for n, p in CHAPTERS.items() if exercise_ids(nbformat.read(p, as_version=4))}
MARKER = re.compile(r'^\s*###\s*(BEGIN|END) SOLUTION\s*$|^\s*#\s*\|\s*solution\s*$', re.M)


# ---------------------------------------------------------------- checks and hints

def test_check_passes_and_a_wrong_answer_gets_a_hint(capsys, tmp_path, monkeypatch):
    log = tmp_path/'log.jsonl'
    monkeypatch.setenv('SEQCOURSE_GRADE_LOG', str(log))  # no longer read: grading checks afresh (seqcourse.classroom)
    assert check('exercises-1', np.array([0, 0, 1, 0]))
    assert not check('exercises-1', [0, 0, 0, 1])
    out = capsys.readouterr().out
    assert '✓ exercises-1: passed' in out
    assert '✗ exercises-1: the one-hot row has the right shape (4,), but 2 of 4 entries differ; the first is at index (2,)' in out
    assert '[0, 0, 1, 0]' not in out  # the hint never shows the solution
    assert not log.exists()  # a path in the environment is no channel to the grader: a student could write to it


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


# ---------------------------------------------------------------- every chapter: student and instructor versions

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
