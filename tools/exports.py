"""Which exported names are public: `#| export` (in `__all__`) or `#| exporti` (module attribute only) for every cell.

nbdev 2 puts every name an `#| export` cell defines into its module's `__all__`; an `#| exporti` cell is exported the
same way but its names stay out of `__all__` (and out of the API reference). This tool decides, cell by cell, which of
the two a notebook's exported cells should be, with one rule:

    A name is public when something outside its own notebook uses it: another notebook (a chapter or a machinery
    page, any of its cells), another module, a script in tools/, the user documentation (README.md, instructors.md,
    CONTRIBUTING.md, index.md, notation.md, the data cards) or the command line (the entry points in pyproject.toml or settings.ini).
    Tests never make a name public: they exercise a module, they are not its users, and an `#| exporti` name stays
    importable for them (`from seqcourse.core import _x` style imports keep working, only `import *` loses it).

"Uses" is read from the code, not guessed from words: `from seqcourse.M import N` (also relative imports and imports
inside functions), `M.N` after `import seqcourse.M as M` / `from seqcourse import M`, `seqcourse.M.N` anywhere (also
inside strings), a bare `N` after `from seqcourse.M import *`. In the Markdown documents and other notebooks' Markdown
cells, fenced code is read the same way, and a code span that is exactly `N`, `N(...)`, `M.N` or `seqcourse.M.N`
counts when N names one module's export unambiguously (or the paragraph names that module).

A cell whose names are all local becomes `#| exporti`; a cell with at least one public name is (or becomes again)
`#| export`; a cell that mixes public and local names is reported as mixed (split it to hide its local names).
Cells that export no name (imports, `__doc__`, `_private` helpers) are left alone.

    python tools/exports.py                      # report every notebook: cells to change, mixed cells, counts
    python tools/exports.py -v                   # also list every public name and who uses it
    python tools/exports.py --apply              # rewrite the directives of every notebook in place
    python tools/exports.py --apply nbs/90_core.ipynb nbs/91_plotting.ipynb   # only these notebooks
    python tools/exports.py --check              # exit 1 if a notebook's directives disagree with the rule

After `--apply`, run `nbdev_export` (and `nbdev_clean`) to regenerate the modules' `__all__`.
"""
import argparse
import ast
import json
import os
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = 'seqcourse'
DOC_FILES = ('README.md', 'instructors.md', 'CONTRIBUTING.md', 'index.md', 'notation.md')
DOC_GLOBS = ('data/*.md',)
TOOL_GLOBS = ('tools/*.py', '.ci/*.py')
SELF = ('exports.py', 'api_ext.py')   # the tools that read the API do not make it public

_DIRECTIVE = re.compile(r'^\s*#\s*\|\s*([\w-]+)\s*:?\s*(.*)$')
_EXPORT_LINE = re.compile(r'^(\s*#\s*\|\s*)(export|exporti)(\b.*)$', flags=re.S)
_MAGIC = re.compile(r'^(\s*)[%!].*$', flags=re.M)


def cell_source(cell) -> str:
    src = cell.get('source', '')
    return ''.join(src) if isinstance(src, list) else src


def directives(source: str) -> dict:
    "The nbdev directives at the top of a cell's source, {name: argument}."
    out = {}
    for line in source.splitlines():
        m = _DIRECTIVE.match(line)
        if m: out[m.group(1)] = m.group(2).strip()
        elif line.strip(): break
    return out


def parse(code: str):
    "The cell's code as an AST (IPython magics and shell lines replaced by `pass`); None if it is not Python."
    try: return ast.parse(code)
    except SyntaxError: pass
    try: return ast.parse(_MAGIC.sub(lambda m: m.group(1) + 'pass', code))
    except SyntaxError: return None


def _targets(node):
    ts = [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else node.targets
    for t in ts:
        yield from (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])


def _is_patch(dec) -> bool:
    while isinstance(dec, ast.Call): dec = dec.func
    while isinstance(dec, ast.Attribute): dec = dec.value if not dec.attr.startswith('patch') else None
    return dec is None or (isinstance(dec, ast.Name) and dec.id.startswith('patch'))


def defined_names(code: str) -> list:
    "The names nbdev 2 puts into `__all__` for this code: top-level defs and assignments not starting with `_`, plus `_all_`."
    tree = parse(code)
    if tree is None: return []
    names, extra = [], []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not any(_is_patch(d) for d in node.decorator_list): names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            ts = list(_targets(node))
            if ts and isinstance(ts[0], ast.Name) and ts[0].id == '_all_' and isinstance(node.value, (ast.List, ast.Tuple)):
                extra += [getattr(e, 'value', getattr(e, 'id', None)) for e in node.value.elts]
                continue
            names += [t.id for t in ts if isinstance(t, ast.Name)]
    out = []
    for n in [n for n in names if n and not n.startswith('_')] + [n for n in extra if n]:
        if n not in out: out.append(n)
    return out


class Notebook:
    "A notebook, its module and its exported cells."
    def __init__(self, path):
        self.path = Path(path)
        self.nb = json.loads(self.path.read_text(encoding='utf-8'))
        self.module = None
        for cell in self.nb['cells']:
            if cell['cell_type'] == 'code' and 'default_exp' in directives(cell_source(cell)):
                self.module = directives(cell_source(cell))['default_exp'].split()[0]
                break

    def export_cells(self):
        "(index, cell, directive, target module, names) for every `export`/`exporti` cell."
        for i, cell in enumerate(self.nb['cells']):
            if cell['cell_type'] != 'code': continue
            src = cell_source(cell)
            dirs = directives(src)
            kind = next((k for k in ('export', 'exporti', 'exports') if k in dirs), None)
            if kind is None: continue
            target = (dirs[kind].split() or [self.module])[0]
            yield i, cell, kind, target, defined_names(src)

    def code(self):
        return [cell_source(c) for c in self.nb['cells'] if c['cell_type'] == 'code']

    def markdown(self):
        return [cell_source(c) for c in self.nb['cells'] if c['cell_type'] == 'markdown']


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute): parts.append(node.attr); node = node.value
    if isinstance(node, ast.Name): parts.append(node.id); return parts[::-1]
    return None


def code_uses(code: str, exports: dict, here: str = None) -> set:
    """(module, name) pairs this code uses. `exports` maps module -> its exported names; `here` is the module the code
    belongs to (for relative imports)."""
    uses = set()
    for m, n in re.findall(rf'\b{PKG}\.(\w+)\.(\w+)', code): uses.add((m, n))
    for m, names in re.findall(rf'from\s+{PKG}\.(\w+)\s+import\s+\(?([\w\s,]+)', code):
        uses.update((m, n.strip().split()[0]) for n in names.split(',') if n.strip())
    tree = parse(code)
    if tree is None: return {u for u in uses if u[0] in exports}
    alias, star = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ''
            if node.level:  # relative import inside the package
                mod = f'{PKG}.{mod}' if mod else PKG
            if mod == PKG:
                for a in node.names: alias[a.asname or a.name] = a.name
            elif mod.startswith(PKG + '.'):
                m = mod.split('.')[1]
                for a in node.names:
                    if a.name == '*': star.add(m)
                    else: uses.add((m, a.name))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith(PKG + '.') and a.asname: alias[a.asname] = a.name.split('.')[1]
    local = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    local |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            parts = _dotted(node)
            if not parts: continue
            if parts[0] == PKG and len(parts) >= 3: uses.add((parts[1], parts[2]))
            elif parts[0] in alias and len(parts) >= 2: uses.add((alias[parts[0]], parts[1]))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local:
            for m in star:
                if node.id in exports.get(m, ()): uses.add((m, node.id))
    return {u for u in uses if u[0] in exports}


_FENCE = re.compile(r'^(```+|~~~+)[^\n]*\n(.*?)^\1\s*$', flags=re.M | re.S)
_SPAN = re.compile(r'(?<!`)`([^`\n]+)`(?!`)')
_SPAN_NAME = re.compile(rf'^(?:{PKG}\.)?(?:(\w+)\.)?([A-Za-z]\w*)(?:\(.*\))?$')


def doc_uses(text: str, exports: dict) -> set:
    "(module, name) pairs a Markdown text names: its fenced code read as code, its code spans as described above."
    uses = set()
    owners = defaultdict(set)
    for m, names in exports.items():
        for n in names: owners[n].add(m)
    for block in _FENCE.findall(text): uses |= code_uses(block[1], exports)
    prose = _FENCE.sub('', text)
    for para in re.split(r'\n\s*\n', prose):
        named = {m for m in exports if re.search(rf'\b{PKG}\.{m}\b|`{m}`', para)}
        for span in _SPAN.findall(para):
            uses |= code_uses(span, exports)
            m = _SPAN_NAME.match(span.strip())
            if not m: continue
            mod, name = m.groups()
            if mod: 
                if mod in exports and name in exports[mod]: uses.add((mod, name))
                continue
            cands = owners.get(name, set())
            if len(cands) == 1: uses.add((next(iter(cands)), name))
            elif cands & named: uses |= {(c, name) for c in cands & named}
    return {u for u in uses if u[0] in exports}


def console_scripts(root) -> set:
    "The (module, name) pairs the command line's entry points name: pyproject.toml's [project.scripts] and settings.ini's console_scripts."
    root, out = Path(root), set()
    texts = [(root/f).read_text(encoding='utf-8') for f in ('pyproject.toml', 'settings.ini') if (root/f).exists()]
    for text in texts:
        out |= set(re.findall(rf'^\s*(?:console_scripts\s*=\s*)?[\w"-]+\s*=\s*"?{PKG}\.(\w+):(\w+)"?', text, flags=re.M))
    return out


def analyse(root=ROOT, notebooks=None) -> dict:
    """For every exported cell of every notebook: its names, which are public and who uses them.
    Returns {'cells': [...], 'users': {(module, name): {user, ...}}}."""
    root = Path(root)
    nbs = [Notebook(p) for p in sorted((root/'nbs').glob('*.ipynb'))] if notebooks is None else [Notebook(p) for p in notebooks]
    exports = defaultdict(list)
    cells = []
    for nb in nbs:
        for i, cell, kind, target, names in nb.export_cells():
            exports[target] += names
            cells.append(dict(notebook=nb, index=i, id=cell.get('id'), kind=kind, module=target, names=names))
    users = defaultdict(set)
    def add(found, who, own=None):
        for u in found:
            if u[0] != own: users[u].add(who)
    for nb in nbs:
        who = f'nbs/{nb.path.name}'
        for code in nb.code(): add(code_uses(code, exports, nb.module), who, nb.module)
        for md in nb.markdown(): add(doc_uses(md, exports), who, nb.module)
    for pattern in TOOL_GLOBS:
        for p in sorted(root.glob(pattern)):
            if p.name in SELF: continue
            add(code_uses(p.read_text(encoding='utf-8'), exports), str(p.relative_to(root)))
    docs = [root/f for f in DOC_FILES if (root/f).exists()] + [p for g in DOC_GLOBS for p in sorted(root.glob(g))]
    for p in docs: add(doc_uses(p.read_text(encoding='utf-8'), exports), str(p.relative_to(root)))
    add(console_scripts(root), 'the command line (pyproject.toml / settings.ini)')
    for c in cells:
        c['public'] = [n for n in c['names'] if users.get((c['module'], n))]
        c['local'] = [n for n in c['names'] if n not in c['public']]
        # `#| exports` (exported and shown) has no internal twin in nbdev 2: reported, never rewritten
        c['want'] = None if not c['names'] or c['kind'] == 'exports' else 'export' if c['public'] else 'exporti'
    return dict(cells=cells, users=users)


def set_directive(cell, kind: str):
    "Rewrite the cell's `#| export`/`#| exporti` line to `kind`, keeping everything else (its id, the other lines)."
    src = cell['source']
    lines = src if isinstance(src, list) else src.splitlines(keepends=True)
    for j, line in enumerate(lines):
        m = _EXPORT_LINE.match(line)
        if m: lines[j] = m.group(1) + kind + m.group(3); break
        if line.strip() and not _DIRECTIVE.match(line): raise ValueError(f"cell {cell.get('id')}: no export directive")
    cell['source'] = lines if isinstance(src, list) else ''.join(lines)


def write_notebook(path, nb):
    "Write a notebook as the repository's notebooks are written (indent=1, ensure_ascii=False, trailing newline), atomically."
    path = Path(path)
    tmp = path.with_name(path.name + '.tmp')
    tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    os.replace(tmp, path)


def apply(result, only=None) -> list:
    "Rewrite the directives that disagree with the rule, in the notebooks `only` names (all when None); returns the changes."
    only = None if only is None else {Path(p).resolve() for p in only}
    changed, touched = [], {}
    for c in result['cells']:
        nb = c['notebook']
        if c['want'] is None or c['want'] == c['kind']: continue
        if only is not None and nb.path.resolve() not in only: continue
        set_directive(nb.nb['cells'][c['index']], c['want'])
        changed.append(c); touched[nb.path] = nb
    for path, nb in touched.items(): write_notebook(path, nb.nb)
    return changed


def counts(result, after=False) -> tuple:
    "(public names, exported names) over all cells, as the directives are now (or would be after --apply)."
    pub = sum(len(c['names']) for c in result['cells'] if (c['want'] if after and c['want'] else c['kind']) in ('export', 'exports'))
    return pub, sum(len(c['names']) for c in result['cells'])


def report(result, verbose=False, out=sys.stdout):
    cells, users = result['cells'], result['users']
    by_nb = defaultdict(list)
    for c in cells: by_nb[c['notebook'].path.name].append(c)
    for name, cs in by_nb.items():
        pub = sorted({n for c in cs for n in c['public']}); loc = sorted({n for c in cs for n in c['local']})
        if not pub and not loc: continue
        print(f"\n{name} ({cs[0]['module']}): {len(pub)} public, {len(loc)} local", file=out)
        for c in cs:
            if c['want'] is None: continue
            tag = 'MIXED ' if c['public'] and c['local'] else ''
            change = f"{c['kind']} -> {c['want']}" if c['want'] != c['kind'] else c['kind']
            if c['want'] != c['kind'] or tag or verbose:
                print(f"  {tag}cell {c['index']} ({c['id']}): {change}: public {c['public'] or '-'}; local {c['local'] or '-'}", file=out)
            if verbose:
                for n in c['public']:
                    print(f"      {n}: used by {', '.join(sorted(users[(c['module'], n)]))}", file=out)
    before, total = counts(result); after, _ = counts(result, after=True)
    mixed = [c for c in cells if c['public'] and c['local']]
    todo = [c for c in cells if c['want'] and c['want'] != c['kind']]
    print(f"\nexported names: {total}; public (in __all__) now: {before}; after --apply: {after}; "
          f"local names left public in {len(mixed)} mixed cells: {sum(len(c['local']) for c in mixed)}; "
          f"cells to change: {len(todo)}", file=out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('notebooks', nargs='*', help='notebooks to rewrite with --apply (all when none); the analysis always reads every notebook')
    p.add_argument('--apply', action='store_true', help='rewrite the directives in place')
    p.add_argument('--check', action='store_true', help='exit 1 if a directive disagrees with the rule')
    p.add_argument('-v', '--verbose', action='store_true', help='list every public name and its users')
    p.add_argument('--root', default=str(ROOT), help='the course checkout')
    a = p.parse_args(argv)
    for nb in a.notebooks:
        if not Path(nb).is_file(): p.error(f"no such notebook: {nb!r}")
    result = analyse(a.root)
    report(result, a.verbose)
    if a.apply:
        changed = apply(result, a.notebooks or None)
        print(f"rewrote {len(changed)} cells in {len({c['notebook'].path for c in changed})} notebooks; now run nbdev_export")
    elif a.check:
        only = {Path(n).resolve() for n in a.notebooks} if a.notebooks else None
        bad = [c for c in result['cells'] if c['want'] and c['want'] != c['kind']
               and (only is None or c['notebook'].path.resolve() in only)]
        if bad: print(f"{len(bad)} cells disagree with the rule: run tools/exports.py --apply"); return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
