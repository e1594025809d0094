"Honest-page tools: glue writes what myst-nb's glue writes; tables and the quick-mode note say what they should."
import pytest

import seqcourse.pages as pages
from seqcourse.pages import comparison_table, glue, quick_note


def _captured(monkeypatch, module, attr, call):
    seen = []
    monkeypatch.setattr(module, attr, lambda *a, **k: seen.append((a, k)))
    call()
    return seen


@pytest.mark.parametrize('value,display', [(0.25, False), ('text', True), (3, False)])
def test_glue_matches_myst_nb(monkeypatch, value, display):
    myst_glue = pytest.importorskip('myst_nb.ext.glue')
    ours = _captured(monkeypatch, pages, 'ipy_display', lambda: glue('x', value, display=display))
    theirs = _captured(monkeypatch, myst_glue, 'ipy_display', lambda: myst_glue.glue('x', value, display=display))
    assert ours == theirs and len(ours) == 1


@pytest.mark.parametrize('name', ['two words', '', 3, '1st'])
def test_glue_names_must_be_identifiers(name):
    with pytest.raises(ValueError, match='identifier'): glue(name, 1)


def test_comparison_table_rows_and_difference():
    md = comparison_table([('bits per char', 2.315, 2.2), ('epochs', 40, None)], fmt='.3f').data
    assert '| bits per char | 2.315 | 2.200 | -0.115 |' in md
    assert '| epochs | 40.000 | – | – |' in md


@pytest.mark.parametrize('rows', [[], [('a', 1)], [('a', 1, 2, 3)]])
def test_comparison_table_refuses_bad_rows(rows):
    with pytest.raises(ValueError, match='row'): comparison_table(rows)


def test_quick_note_only_in_quick_mode():
    assert quick_note(False) is None
    assert 'QUICK = True' in quick_note(True).data and ':::{admonition}' in quick_note(True).data
    with pytest.raises(TypeError, match="'yes'"): quick_note('yes')
