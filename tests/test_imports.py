"""The package's import graph, read from the sources with `ast` (nothing is imported): no cycles, and imports run one
way. Bottom: core, data, plotting, exercises, sampling (and shared modules such as models or training); above them the
chapters; on top the runner, the classroom and the command line. Imports inside functions count too; an
`importlib.import_module(...)` call (how `exercises.check` finds a chapter's checkers) is not an import."""
import ast
from pathlib import Path
from conftest import ROOT

PKG = ROOT/'seqcourse'
TOP = {'runner', 'classroom', 'cli'}                 # the machinery: may import anything but each other's upper layers
CHAPTERS = {'data', 'chain', 'rnn', 'lstm', 'gru', 'hello', 'addition', 'textgen', 'attention', 'sequences', 'modern'}   # add a new chapter's module here
BASE = {'core', 'data', 'plotting', 'exercises', 'sampling'}
# Any other module (e.g. models, training) is shared: it may import the base and other shared modules, not a chapter.


def module_names(pkg=PKG) -> set:
    return {p.stem for p in Path(pkg).glob('*.py')}


def seqcourse_imports(source:str, known:set, pkg='seqcourse') -> list:
    "(module, imported names, line) for every import of a module of the package in `source`, at any depth."
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split('.')
                if parts[0] == pkg and len(parts) > 1: out.append((parts[1], [], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or '').split('.')
                if parts[0] != pkg: continue
                rest = parts[1:]
            elif node.level == 1: rest = node.module.split('.') if node.module else []
            else: continue
            names = [a.name for a in node.names]
            if rest: out.append((rest[0], names, node.lineno))             # from seqcourse.x import a / from .x import a
            else: out += [(n, [], node.lineno) for n in names if n in known]  # from seqcourse import x / from . import x
    return out


def private_attributes(source:str, known:set, pkg='seqcourse') -> list:
    "(module, name, line) for every `alias._name` where alias is a module of the package (`import seqcourse.x as alias`)."
    tree = ast.parse(source)
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split('.')
                if parts[0] == pkg and len(parts) == 2 and a.asname: aliases[a.asname] = parts[1]
        elif isinstance(node, ast.ImportFrom) and ((node.level == 0 and node.module == pkg) or (node.level == 1 and not node.module)):
            for a in node.names:
                if a.name in known: aliases[a.asname or a.name] = a.name
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not _private(node.attr): continue
        v = node.value
        if isinstance(v, ast.Name) and v.id in aliases: out.append((aliases[v.id], node.attr, node.lineno))
        elif isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name) and v.value.id == pkg and v.attr in known:
            out.append((v.attr, node.attr, node.lineno))                       # seqcourse.x._name
    return out


def _private(name:str) -> bool: return name.startswith('_') and not name.startswith('__')


def import_graph(pkg=PKG) -> dict:
    "{module: {imported module: [line, ...]}} over the package's modules, without self-imports."
    known = module_names(pkg)
    graph = {m: {} for m in known}
    for m in known:
        for target, _, line in seqcourse_imports((Path(pkg)/f'{m}.py').read_text(), known):
            if target in known and target != m: graph[m].setdefault(target, []).append(line)
    return graph


def find_cycles(graph:dict) -> list:
    "One cycle (a list of modules, first == last) through each back edge found by a depth-first search, in sorted order."
    cycles, state, stack = [], {}, []
    def visit(m):
        state[m] = 'open'; stack.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 'open': cycles.append(stack[stack.index(t):] + [t])
            elif t not in state: visit(t)
        stack.pop(); state[m] = 'done'
    for m in sorted(graph):
        if m not in state: visit(m)
    return cycles


def _where(graph, path) -> str:
    return ' -> '.join(path) + '  (' + '; '.join(f"{a}.py line {graph[a][b][0]}" for a, b in zip(path, path[1:])) + ')'


GRAPH = import_graph()


# ---------------------------------------------------------------- the reader itself

def test_imports_are_found_at_any_depth_and_in_every_form():
    src = ("import os\nimport seqcourse.core\nimport seqcourse.rnn as rnn\nfrom seqcourse.data import Vocab\n"
           "from .exercises import exercise, _CHECKS\nfrom . import plotting\nfrom seqcourse import sampling, __version__\n"
           "def f():\n    from seqcourse.runner import say\n    import importlib; importlib.import_module('seqcourse.gru')\n"
           "class C:\n    def g(self):\n        if True:\n            from .cli import main\n")
    known = {'core', 'rnn', 'data', 'exercises', 'plotting', 'sampling', 'runner', 'gru', 'cli'}
    found = seqcourse_imports(src, known)
    assert [t for t, _, _ in found] == ['core', 'rnn', 'data', 'exercises', 'plotting', 'sampling', 'runner', 'cli']
    assert ('exercises', ['exercise', '_CHECKS'], 5) in found
    src = "import seqcourse.rnn as r\nfrom seqcourse import data\nimport seqcourse.gru\nr._x(); data._y; seqcourse.gru._z; r.__doc__"
    assert sorted(private_attributes(src, known)) == [('data', '_y', 4), ('gru', '_z', 4), ('rnn', '_x', 4)]


def test_a_cycle_is_found_and_named():
    assert find_cycles({'a': {'b': [1]}, 'b': {'c': [2]}, 'c': {'a': [3]}, 'd': {'a': [4]}}) == [['a', 'b', 'c', 'a']]
    assert find_cycles({'a': {'b': [1]}, 'b': {}, 'c': {'a': [1], 'b': [2]}}) == []


def test_the_graph_sees_the_known_imports():
    assert 'exercises' in GRAPH['data'] and 'core' in GRAPH['plotting']
    assert {'runner', 'classroom'} <= set(GRAPH['cli']) and {'runner', 'exercises'} <= set(GRAPH['classroom'])
    assert CHAPTERS <= set(GRAPH), f"chapter modules missing from the package: {CHAPTERS - set(GRAPH)}"


# ---------------------------------------------------------------- the rules

def test_no_import_cycles():
    cycles = find_cycles(GRAPH)
    assert not cycles, 'import cycles in the package:\n' + '\n'.join(_where(GRAPH, c) for c in cycles)


def _offenders(modules, forbidden) -> list:
    return [f"{m} imports {t} ({m}.py line {GRAPH[m][t][0]})" for m in sorted(modules) for t in sorted(GRAPH.get(m, {}))
            if t in forbidden(m)]


def test_the_base_imports_no_chapter_and_nothing_above_it():
    bad = _offenders(BASE & set(GRAPH), lambda m: (CHAPTERS | TOP) - {m})
    assert not bad, 'core, data, plotting, exercises and sampling must stay at the bottom:\n' + '\n'.join(bad)


def test_exercises_imports_at_most_core():
    assert set(GRAPH['exercises']) <= {'core'}, f"exercises imports {sorted(GRAPH['exercises'])}: chapters import it, so it stays light"


def test_shared_modules_import_no_chapter_and_nothing_above_them():
    shared = set(GRAPH) - TOP - CHAPTERS - BASE - {'__init__', '_modidx'}
    bad = _offenders(shared, lambda m: (CHAPTERS - {'data'}) | TOP)
    assert not bad, f'shared modules ({", ".join(sorted(shared))}) may import the base and each other, not a chapter:\n' + '\n'.join(bad)


def test_chapters_import_nothing_above_them():
    bad = _offenders(CHAPTERS, lambda m: TOP)
    assert not bad, 'a chapter must not import the runner, the classroom or the command line:\n' + '\n'.join(bad)


def test_only_the_top_imports_the_top():
    bad = _offenders(set(GRAPH) - {'cli'}, lambda m: {'cli'})
    bad += _offenders({'runner'}, lambda m: {'classroom', 'cli'})
    assert not bad, 'nothing imports the command line, and the runner imports neither the classroom nor the command line:\n' + '\n'.join(bad)


def private_imports(pkg=PKG) -> list:
    "'module imports _name from other' for every private name one module of the package takes from another."
    known = module_names(pkg)
    out = []
    for m in sorted(known):
        src = (Path(pkg)/f'{m}.py').read_text()
        for target, names, line in seqcourse_imports(src, known):
            if target == m or target == '_modidx': continue
            out += [f"{m} imports {n} from {target} ({m}.py line {line})" for n in names if _private(n)]
            if not names and _private(target): out.append(f"{m} imports the private module {target} ({m}.py line {line})")
        out += [f"{m} uses {target}.{n} ({m}.py line {line})" for target, n, line in private_attributes(src, known)
                if target not in (m, '_modidx')]
    return out


def test_no_module_imports_a_private_name_from_another():
    bad = private_imports()
    assert not bad, 'private names used across modules (make them public, or keep them in one module):\n' + '\n'.join(bad)



def test_every_module_has_a_one_line_docstring():
    "Each notebook gives its module a docstring (a hidden exported `__doc__` cell: nbdev puts `__all__` first)."
    import importlib
    for path in sorted((ROOT/'seqcourse').glob('*.py')):
        if path.stem in ('__init__', '_modidx'): continue
        mod = importlib.import_module(f'seqcourse.{path.stem}')
        assert mod.__doc__ and '\n' not in mod.__doc__.strip(), f'seqcourse/{path.name} has no one-line docstring'
