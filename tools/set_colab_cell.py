#!/usr/bin/env python
"""Write the Colab install cell (seqcourse.runner.colab_cell: this checkout's version, from settings.ini) into every
chapter notebook of the book (_toc.yml).

    python tools/set_colab_cell.py           # rewrite the cells that differ; insert one where a chapter has none
    python tools/set_colab_cell.py --check   # change nothing; exit 1 and name the chapters whose cell differs

A chapter's Colab cell is the code cell that starts with the cell's marker (`#@title Install the course package`) or,
in older notebooks, one of the earlier cells' marker comments, and mentions google.colab. It is rewritten in place,
keeping its id and its other tags, and tagged `remove-cell` (the book leaves it out; Colab shows it as a form); a
chapter without one gets a new cell just before its parameters cell. Running it twice changes nothing the second
time. Run it after changing the version in settings.ini; `nbdev_clean` is not needed (outputs are untouched)."""
import argparse
import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from seqcourse.runner import COLAB_MARK, COLAB_TAG, colab_cell, toc_entries  # noqa: E402

# the marker of this cell and of the cells it replaces (a hidden `%pip` cell, and before that a plain comment)
OLD_MARKS = (COLAB_MARK, "# Colab: install this book's version of the course package", '# In Colab, install the course package')


def _src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']


def colab_cells(nb):
    "Indices of a notebook's Colab install cells: a marker at the start of a line, never an exported cell."
    def is_colab(src):
        lines = src.splitlines()
        return (any(l.startswith(m) for l in lines for m in OLD_MARKS) and 'google.colab' in src
                and not any(l.startswith('#| export') for l in lines))   # the runner's own colab_cell() source is exported
    return [i for i, c in enumerate(nb['cells']) if c['cell_type'] == 'code' and is_colab(_src(c))]


def with_colab_cell(nb, text):
    "The notebook with its Colab cell set to `text` and tagged (inserted before the parameters cell if there is none); and whether it changed."
    lines = text.splitlines(keepends=True)
    found = colab_cells(nb)
    if len(found) > 1: raise ValueError(f"{len(found)} Colab cells (cells {found}); keep one")
    if found:
        cell = nb['cells'][found[0]]
        tags = cell.setdefault('metadata', {}).get('tags', [])
        if _src(cell) == text and COLAB_TAG in tags: return nb, False
        cell['source'] = lines
        if COLAB_TAG not in tags: cell['metadata']['tags'] = [*tags, COLAB_TAG]
        return nb, True
    params = [i for i, c in enumerate(nb['cells']) if 'parameters' in c.get('metadata', {}).get('tags', [])]
    at = params[0] if params else next((i + 1 for i, c in enumerate(nb['cells']) if 'default_exp' in _src(c)), 0)
    nb['cells'].insert(at, {'cell_type': 'code', 'execution_count': None, 'id': secrets.token_hex(4),
                            'metadata': {'tags': [COLAB_TAG]}, 'outputs': [], 'source': lines})
    return nb, True


def chapter_notebooks(root=ROOT):
    "The chapter notebooks named in the book's table of contents."
    out = []
    for e in toc_entries((root/'_toc.yml').read_text()):
        if e.startswith('nbs/'):
            p = root/(e.removesuffix('.ipynb') + '.ipynb')
            if p.exists(): out.append(p)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--check', action='store_true', help='change nothing; exit 1 if a chapter differs')
    p.add_argument('notebooks', nargs='*', type=Path, help='these notebooks only (default: every chapter of the book)')
    args = p.parse_args(argv)
    text, differ = colab_cell(ROOT), []
    for path in [n.resolve() for n in args.notebooks] or chapter_notebooks():
        nb = json.loads(path.read_text())
        nb, changed = with_colab_cell(nb, text)
        if not changed: continue
        differ.append(path.relative_to(ROOT))
        if not args.check:
            tmp = path.with_suffix('.tmp')
            tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n'); os.replace(tmp, path)
    verb = 'differ' if args.check else 'rewritten'
    print(f"{len(differ)} chapter(s) {verb}" + (': ' + ', '.join(map(str, differ)) if differ else ''))
    return 1 if args.check and differ else 0


if __name__ == '__main__':
    sys.exit(main())
