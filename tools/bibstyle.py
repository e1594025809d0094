"""Author-year citations for the course's book (a Sphinx extension named in _config.yml under sphinx.local_extensions).

It registers two styles that _config.yml selects: the referencing style `author_year_round`, so that {cite}`key`
reads "(Elman, 1990)", several keys "(Elman, 1990; Werbos, 1990)", and {cite:t}`key` reads "Elman (1990)"; and the
bibliography style `author_year`, pybtex's `plain` entries labelled "Elman 1990" instead of "[Elm90]", so that the
bibliography lists each work under the name the text cites it by. A work without an author is cited and labelled by
its title. tests/test_prose.py checks the labels."""
from collections import Counter
from dataclasses import dataclass, field

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

def _round() -> BracketStyle: return BracketStyle(left='(', right=')', sep='; ')   # (Cho et al., 2014; Chung et al., 2014)


@dataclass
class RoundAuthorYear(AuthorYearReferenceStyle):
    "Author-year citations in round brackets: (Elman, 1990) and Elman (1990)."
    bracket_parenthetical: BracketStyle = field(default_factory=_round)
    bracket_textual: BracketStyle = field(default_factory=_round)
    bracket_author: BracketStyle = field(default_factory=_round)
    bracket_label: BracketStyle = field(default_factory=_round)
    bracket_year: BracketStyle = field(default_factory=_round)


def _plain(latex:str) -> str: return Text.from_latex(latex).render_as('text')


class AuthorYearLabels(BaseLabelStyle):
    "Labels 'Elman 1990', 'Hochreiter and Schmidhuber 1997', 'Cho et al. 2014'; a, b, ... where two would be equal."
    def label(self, entry):
        people = entry.persons.get('author') or entry.persons.get('editor') or []
        last = [_plain(' '.join(p.prelast_names + p.last_names)) for p in people]
        who = (last[0] if len(last) == 1 else ' and '.join(last) if len(last) == 2 else f'{last[0]} et al.' if last
               else _plain(entry.fields.get('title', entry.key)))
        return f"{who} {_plain(entry.fields.get('year', 'n.d.'))}"

    def format_labels(self, sorted_entries):
        labels = [self.label(e) for e in sorted_entries]
        count, seen = Counter(labels), Counter()
        for label in labels:
            seen[label] += 1
            yield label + (chr(ord('a') + seen[label] - 1) if count[label] > 1 else '')


class AuthorYearSorting(SortingStyle):
    "By author, year and title; a work without an author sorts by its title, where its label puts it."
    def sorting_key(self, entry):
        author, year, title = super().sorting_key(entry)
        return (author.replace('{', '').replace('}', '') or _plain(title).lower(), year, title)   # {Statinfer} sorts under S


class AuthorYearStyle(PlainStyle):
    "pybtex's plain bibliography, labelled by author and year."
    default_label_style = AuthorYearLabels
    default_sorting_style = AuthorYearSorting


def setup(app):
    sphinxcontrib.bibtex.plugin.register_plugin('sphinxcontrib.bibtex.style.referencing', 'author_year_round', RoundAuthorYear)
    pybtex.plugin.register_plugin('pybtex.style.formatting', 'author_year', AuthorYearStyle)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
