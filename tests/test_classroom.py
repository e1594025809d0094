"""Tests of seqcourse.classroom: student and instructor versions of a chapter, `seqcourse assign` and
`seqcourse grade` (on tiny synthetic notebooks, not on the heavy chapters)."""
import csv, json, re, subprocess
import nbformat
import pytest
from conftest import ROOT, BIN
import seqcourse.classroom as cl
from seqcourse.classroom import (strip_solutions, strip_answers, checker_cell, student_notebook, instructor_notebook,
                                 grade, format_grades, Grade, STUB_MARK)

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
    monkeypatch.setattr(cl, '_has_checker', lambda i: True)  # (checked in test_exercises.py; importing every chapter module is slow)
    lines = []
    manifest = cl.assign(tmp_path/'a', root=ROOT, log=lines.append)
    toc = (ROOT/'_toc.yml').read_text()
    for name, entry in manifest['chapters'].items():
        assert re.search(rf'^\s*- file: nbs/{entry["notebook"][:-6]}\s*$', toc, re.M) and entry['exercises']
    assert 'data' in manifest['chapters'] and any(l.startswith('no exercises (not written): core') for l in lines)
    cl.assign(tmp_path/'a', ['data'], root=ROOT, log=lines.append)  # an earlier assignment is replaced
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
