"""The book's API reference, written from the package's source when the book is built (a Sphinx extension, named in
_config.yml under sphinx.local_extensions; `seqcourse book` copies it into the staged book).

A page `api/<module>.md` holds a title and one directive:

    ```{apidoc} seqcourse.core
    ```

which becomes the module's docstring and, for every name in its `__all__` (in that order), the name's signature, its
docstring and its parameter descriptions: nbdev docments, the comment after each parameter (as `fastcore.docments` and
nbdev's `show_doc` read them). Classes list their public methods (also those added with `seqcourse.core.patch_to`);
constants show their value and the comment beside them. `{apidoc-modules}` is the table of every module on the index page.

The source is read, not imported (no TensorFlow at build time, and nothing the book build lacks): the module file that
`import seqcourse.<module>` would load, so the reference always shows the code the chapters ran with. Each page is
read again at every build. Type annotations that name classes outside the course (`np.ndarray`,
`keras.Model`) are shown as plain text rather than as broken links. `module_api`/`module_markdown` are what the pages
are made of; tests/test_api.py checks them against the package.
"""
import ast
import importlib.util
import inspect
import io
import json
import re
import tokenize
from pathlib import Path

PKG = 'seqcourse'
API_DIR = 'api'


# ---------------------------------------------------------------- reading a module's source
def module_path(module: str) -> Path:
    "The file `import <module>` would load (without importing it)."
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin: raise ModuleNotFoundError(f"no module named {module!r}")
    return Path(spec.origin)


def public_modules(package: str = PKG) -> list:
    "The package's modules whose names do not start with `_`, sorted."
    spec = importlib.util.find_spec(package)
    folder = Path(next(iter(spec.submodule_search_locations)))
    return sorted(f"{package}.{p.stem}" for p in folder.glob('*.py') if not p.stem.startswith('_'))


def _comments(source: str) -> dict:
    "{line number: comment text} for every comment in the source."
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and not tok.string.startswith('# %%'):   # nbdev's cell markers are not comments
            out[tok.start[0]] = tok.string.lstrip('#').strip()
    return out


def _comment_at(line: int, comments: dict, taken: set, first: int = 1):
    """The comment on `line`, else the comment lines right above it, from line `first` on (the definition's first line)
    and not on another parameter's line: the rule of fastcore's docments."""
    if line in comments: return comments[line]
    above = []
    line -= 1
    while line >= first and line in comments and line not in taken:
        above.append(comments[line]); line -= 1
    return '\n'.join(reversed(above)) or None


def _unparse(node):
    return None if node is None else ast.unparse(node)


def _params(fn: ast.FunctionDef, comments: dict, drop_first: bool) -> list:
    """[{kind, name, annotation, default, doc}] of a def in signature order; kind: '/' positional-only, '' positional or
    keyword, '*' the *args, 'kw' keyword-only, '**' the **kwargs. A line's comment belongs to the last parameter on that
    line (or to the return annotation, when it is there), as in fastcore's docments."""
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    rows = [('/' if i < len(a.posonlyargs) else '', p, d) for i, (p, d) in enumerate(zip(positional, defaults))]
    if a.vararg: rows.append(('*', a.vararg, None))
    rows += [('kw', p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg: rows.append(('**', a.kwarg, None))
    owner = {p.lineno: p.arg for _, p, _ in rows}
    if fn.returns is not None: owner[fn.returns.lineno] = 'return'
    if drop_first and rows and rows[0][0] != '*': rows = rows[1:]
    first = _first_line(fn)
    return [dict(kind=k, name=p.arg, annotation=_unparse(p.annotation), default=_unparse(d), lineno=p.lineno,
                 doc=_comment_at(p.lineno, comments, set(owner), first) if owner.get(p.lineno) == p.arg else None)
            for k, p, d in rows]


def _first_line(node) -> int:
    "The first line of a definition, its decorators included."
    return min([node.lineno] + [d.lineno for d in getattr(node, 'decorator_list', [])])


def _signature(params: list, fn: ast.FunctionDef = None) -> str:
    "The parenthesised parameters of a signature (and its return annotation), as Python writes them."
    parts = []
    for i, p in enumerate(params):
        text = p['name'] + (f": {p['annotation']}" if p['annotation'] else '')
        if p['default'] is not None: text += (' = ' if p['annotation'] else '=') + p['default']
        if p['kind'] == 'kw' and not any(q['kind'] in ('*', 'kw') for q in params[:i]): parts.append('*')
        parts.append({'*': '*', '**': '**'}.get(p['kind'], '') + text)
        if p['kind'] == '/' and (i + 1 == len(params) or params[i + 1]['kind'] != '/'): parts.append('/')
    ret = f" -> {_unparse(fn.returns)}" if fn is not None and fn.returns is not None else ''
    return f"({', '.join(parts)}){ret}"


def _decorators(node) -> list:
    out = []
    for d in node.decorator_list:
        f = d.func if isinstance(d, ast.Call) else d
        out.append((ast.unparse(f), d.args[0].id if isinstance(d, ast.Call) and d.args and isinstance(d.args[0], ast.Name) else None))
    return out


def _function(fn, comments, method=False) -> dict:
    decos = [name for name, _ in _decorators(fn)]
    kind = ('property' if 'property' in decos or any(d.endswith('.setter') for d in decos) else
            'staticmethod' if 'staticmethod' in decos else 'classmethod' if 'classmethod' in decos else
            'method' if method else 'function')
    params = _params(fn, comments, drop_first=method and kind != 'staticmethod')
    ret_line, a = (fn.returns.lineno if fn.returns is not None else None), fn.args
    returns = None
    if ret_line is not None:
        taken = {p.lineno for p in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if p is not None}
        returns = dict(annotation=_unparse(fn.returns), doc=_comment_at(ret_line, comments, taken, _first_line(fn)))
    return dict(kind=kind, name=fn.name, signature=_signature(params, fn), params=params, returns=returns,
                doc=inspect.cleandoc(ast.get_docstring(fn, clean=False) or '') or None, lineno=fn.lineno)


def _own_params(cls, comments):
    "The parameters a class's own `__init__` (or its dataclass fields) takes; None if it has neither."
    init = next((n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == '__init__'), None)
    if init is not None: return _params(init, comments, drop_first=True)
    if any(d.split('.')[-1] == 'dataclass' for d, _ in _decorators(cls)):
        fields = [n for n in cls.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
                  and 'ClassVar' not in ast.unparse(n.annotation)]
        taken = {f.lineno for f in fields}
        return [dict(kind='', name=f.target.id, annotation=_unparse(f.annotation), default=_unparse(f.value), lineno=f.lineno,
                     doc=_comment_at(f.lineno, comments, taken, cls.lineno + 1)) for f in fields]
    return None


def _class(cls, comments, patched, resolve) -> dict:
    "A class: its parameters (its own, else those of the first base class in the package that has some), its methods."
    members = []
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (not node.name.startswith('_') or node.name == '__call__'):
            if any(d.endswith('.setter') or d.endswith('.deleter') for d, _ in _decorators(node)): continue
            members.append(_function(node, comments, method=True))
    members += [_function(fn, comments, method=True) for fn in patched if not fn.name.startswith('_') or fn.name == '__call__']
    # a method with no docstring and no parameter comments overrides a framework's hook (Keras's on_epoch_end, say)
    members = [m for m in members if m['doc'] or any(q['doc'] for q in m['params']) or (m['returns'] or {}).get('doc')]
    params, inherited, seen, todo = _own_params(cls, comments), None, set(), [cls]
    while params is None and todo:   # no __init__ of its own: it takes what its base class takes
        c = todo.pop(0)
        for base in c.bases:
            found = resolve(base.id) if isinstance(base, ast.Name) and base.id not in seen else None
            if found is None: continue
            seen.add(base.id)
            params = _own_params(*found)
            if params is not None: inherited = base.id; break
            todo.append(found[0])
    return dict(kind='exception' if any(re.search(r'(Error|Exception|Warning)$', ast.unparse(b)) for b in cls.bases) else 'class',
                name=cls.name, signature=_signature(params) if params is not None else '', params=params or [],
                inherited=inherited, bases=[ast.unparse(b) for b in cls.bases],
                doc=inspect.cleandoc(ast.get_docstring(cls, clean=False) or '') or None, members=members, lineno=cls.lineno)


def _data(name, node, comments) -> dict:
    value = _unparse(node.value) if node.value is not None else None
    if value is not None and '\n' in value: value = None
    elif value is not None and len(value) > 100: value = value[:96] + ' ...'   # the page shows the start of a long value
    return dict(kind='data', name=name, value=value, annotation=_unparse(getattr(node, 'annotation', None)),
                doc=_comment_at(node.lineno, comments, set()), params=[], lineno=node.lineno)


def _read(path: Path) -> dict:
    "A module's source, parsed: its `__all__`, docstring, top-level definitions, `patch_to` methods and package imports."
    source = path.read_text(encoding='utf-8')
    tree, comments = ast.parse(source), _comments(source)
    out = dict(source=source, comments=comments, all=[], doc=ast.get_docstring(tree), defs={}, patched={}, imports={})
    defs = out['defs']
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == '__all__': out['all'] = list(ast.literal_eval(node.value))
                elif isinstance(t, ast.Name) and t.id == '__doc__' and isinstance(node.value, ast.Constant): out['doc'] = node.value.value
                elif isinstance(t, ast.Name): defs.setdefault(t.id, ('data', node))
                elif isinstance(t, (ast.Tuple, ast.List)):
                    for e in t.elts:
                        if isinstance(e, ast.Name): defs.setdefault(e.id, ('data', node))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name): defs.setdefault(node.target.id, ('data', node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            to = [cls for name, cls in _decorators(node) if name.split('.')[-1] == 'patch_to' and cls]
            if to: out['patched'].setdefault(to[0], []).append(node)
            else: defs[node.name] = ('function', node)
        elif isinstance(node, ast.ClassDef): defs[node.name] = ('class', node)
        elif isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or '').startswith(PKG + '.')) and node.module:
            for a in node.names: out['imports'][a.asname or a.name] = (node.module.split('.')[-1], a.name)
    return out


def module_api(module: str, path=None) -> dict:
    """What the reference page of `module` shows: {'module', 'path', 'doc', 'source_notebook', 'all', 'items'}, one item
    per name in `__all__` (a dict with kind, name, signature, params [{kind, name, annotation, default, doc}], doc ...)."""
    path = Path(path) if path else module_path(module)
    mod = _read(path)
    comments, defs = mod['comments'], mod['defs']

    def resolve(name, here=mod, depth=0):
        "A class named in `here`, defined there or imported from another module of the package: (ClassDef, comments)."
        if name in here['defs'] and here['defs'][name][0] == 'class': return here['defs'][name][1], here['comments']
        if name in here['imports'] and depth < 5:
            other, real = here['imports'][name]
            try: there = _read(module_path(f'{PKG}.{other}'))
            except (ModuleNotFoundError, OSError, SyntaxError): return None
            return resolve(real, there, depth + 1)
        return None

    items = []
    for name in mod['all']:
        if name not in defs: items.append(dict(kind='data', name=name, value=None, annotation=None, doc=None, params=[])); continue
        kind, node = defs[name]
        items.append(_function(node, comments) if kind == 'function' else
                     _class(node, comments, mod['patched'].get(name, []), resolve) if kind == 'class' else _data(name, node, comments))
    m = re.search(r'File to edit: \.\./(\S+?)\.ipynb', mod['source'][:500])
    return dict(module=module, path=path, doc=mod['doc'], source_notebook=m.group(1) if m else None, all=mod['all'], items=items)


# ---------------------------------------------------------------- writing the page (MyST Markdown)
def _text(s: str) -> str:
    "Docstring or comment text as safe MyST: a line never starts a heading, a fence or a directive option."
    out = []
    for line in (s or '').splitlines():
        stripped = line.lstrip()
        if stripped.startswith(('#', '```', '~~~', ':::', ':', '+++', '---', '===')): line = line[:len(line) - len(stripped)] + '\\' + stripped
        out.append(_no_roles(line))
    return '\n'.join(out)


_SPAN_RE = re.compile(r'(`+).*?(?<!`)\1(?!`)')


def _no_roles(line: str) -> str:
    "Text that names a MyST role, {glue:text}`x` say, shows it instead of running it (code spans are left as they are)."
    out, pos = [], 0
    for m in _SPAN_RE.finditer(line):
        out += [re.sub(r'\{([\w:.+-]+)\}$', r'\\{\1}', line[pos:m.start()]), m.group(0)]; pos = m.end()
    return ''.join(out) + line[pos:]


def _code(s: str) -> str:
    "Inline code for any text (backticks inside get a longer fence)."
    n = max((len(m) for m in re.findall(r'`+', s)), default=0) + 1
    pad = ' ' if s.startswith('`') or s.endswith('`') else ''
    return f"{'`' * n}{pad}{s}{pad}{'`' * n}"


def _param_lines(params, returns=None, label='Parameters') -> list:
    lines = []
    if params:
        lines += [f'**{label}**', '']
        for p in params:
            star = {'*': '*', '**': '**'}.get(p['kind'], '')
            head = _code(star + p['name'])
            extra = ', '.join(x for x in [_code(p['annotation']) if p['annotation'] else '',
                                         'default ' + _code(p['default']) if p['default'] is not None else ''] if x)
            desc = ' '.join(_text(p['doc']).splitlines()) if p['doc'] else ''
            lines.append(f"- {head}" + (f" ({extra})" if extra else '') + (f": {desc}" if desc else ''))
        lines.append('')
    if returns and (returns['doc'] or returns['annotation']):
        lines += [f"**Returns** {_code(returns['annotation'])}" + (f": {' '.join(_text(returns['doc']).splitlines())}" if returns['doc'] else ''), '']
    return lines


def _item_lines(item, module, fence='````') -> list:
    kind = item['kind']
    if kind == 'data':
        head = [f"{fence}{{py:data}} {item['name']}", f":module: {module}"]
        if item.get('value') is not None: head.append(f":value: {json.dumps(item['value'])}")   # quoted: the option is YAML
        return head + ['', _text(item['doc'] or ''), fence, '']
    directive = {'function': 'py:function', 'class': 'py:class', 'exception': 'py:exception'}[kind]
    lines = [f"{fence}{{{directive}}} {item['name']}{item['signature']}", f":module: {module}", '']
    if item['doc']: lines += [_text(item['doc']), '']
    if kind in ('class', 'exception') and item['bases']: lines += [f"Based on {', '.join(_code(b) for b in item['bases'])}.", '']
    label = f"Parameters (those of {_code(item['inherited'])})" if item.get('inherited') else 'Parameters'
    lines += _param_lines(item['params'], item.get('returns'), label)
    for m in item.get('members', []):
        d = {'method': 'py:method', 'staticmethod': 'py:staticmethod', 'classmethod': 'py:classmethod', 'property': 'py:property'}[m['kind']]
        sig = '' if m['kind'] == 'property' else m['signature']
        lines += [f"```{{{d}}} {m['name']}{sig}"]
        if m['kind'] == 'property' and m['returns']: lines.append(f":type: {m['returns']['annotation']}")
        lines += ['']
        if m['doc']: lines += [_text(m['doc']), '']
        lines += _param_lines(m['params'], m['returns'] if m['kind'] != 'property' else None)
        lines += ['```', '']
    return lines + [fence, '']


def module_markdown(module: str, path=None, notebook_doc: str = None) -> str:
    """The body of a module's reference page, as MyST Markdown: its docstring, then each name of its `__all__`.
    `notebook_doc`: the book page (docname) that explains the module, linked when given."""
    api = module_api(module, path)
    lines = [f"```{{py:module}} {module}", '```', '']
    if api['doc']: lines += [_text(api['doc']), '']
    if notebook_doc: lines += [f"Explained, with examples, in {{doc}}`/{notebook_doc}`.", '']
    if not api['items']:
        lines += ["Nothing in this module is used outside its own chapter: its functions and classes are explained there, "
                  "and they stay importable from the module.", '']
    for item in api['items']:
        fence = '`````' if item.get('members') else '````'
        lines += _item_lines(item, module, fence)
    return '\n'.join(lines)


def modules_markdown(modules=None, linked=None) -> str:
    """The index page's table: every public module with the first line of its docstring, linked to its page when
    `linked` (a set of module names; all when None) holds it."""
    rows = ['| module | what it holds |', '|---|---|']
    for m in modules or public_modules():
        doc = (module_api(m)['doc'] or '').strip().split('\n')[0]
        rows.append(f"| {{py:mod}}`{m}` | {doc.replace('|', '/')} |" if linked is None or m in linked else f"| `{m}` | {doc.replace('|', '/')} |")
    return '\n'.join(rows) + '\n'


# ---------------------------------------------------------------- the Sphinx side
def setup(app):
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class ApiDoc(SphinxDirective):
        "```{apidoc} seqcourse.core``` : the reference of one module."
        required_arguments = 1

        def run(self):
            module = self.arguments[0].strip()
            try: path = module_path(module)
            except ModuleNotFoundError as e: raise self.error(str(e)) from None
            self.env.note_dependency(str(path))   # the page is read again when the module changes
            nb = module_api(module, path)['source_notebook']
            text = module_markdown(module, path, notebook_doc=nb if nb in self.env.found_docs else None)
            box = nodes.container()
            self.state.nested_parse(StringList(text.splitlines(), source=str(path)), self.content_offset, box)
            return box.children

    class ApiModules(SphinxDirective):
        "```{apidoc-modules}``` : a table of every public module of the package."
        def run(self):
            modules = public_modules()
            for m in modules: self.env.note_dependency(str(module_path(m)))
            paged = {m for m in modules if f"{API_DIR}/{m.split('.')[-1]}" in self.env.found_docs}
            box = nodes.container()
            self.state.nested_parse(StringList(modules_markdown(modules, paged).splitlines()), self.content_offset, box)
            return box.children

    def plain_annotations(app, env, node, contnode):
        "On the API pages, a type annotation naming a class outside the course is text, not a broken link."
        docname = node.get('refdoc') or env.docname
        if node.get('refdomain') == 'py' and node.get('reftype') in ('class', 'obj') and str(docname).startswith(API_DIR + '/'):
            return contnode
        return None

    def reread_api_pages(app, env, added, changed, removed):
        "The API pages are read again at every build (they are small): links to pages added since stay current."
        return [d for d in env.found_docs if d.startswith(API_DIR + '/')]

    app.add_directive('apidoc', ApiDoc)
    app.connect('env-get-outdated', reread_api_pages)
    app.add_directive('apidoc-modules', ApiModules)
    app.connect('missing-reference', plain_annotations)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}


# ---------------------------------------------------------------- the pages themselves
def stub(module: str) -> str:
    "The committed page of a module: a title and the directive (the content is written at build time)."
    return f"# {module}\n\n```{{apidoc}} {module}\n```\n"


def toc_lines(modules=None, indent: str = '          ') -> str:
    "The `_toc.yml` entries of the API pages (under `- file: api/index`, `sections:`)."
    return ''.join(f"{indent}- file: {API_DIR}/{m.split('.')[-1]}\n" for m in modules or public_modules())


def update_toc(toc_text: str, modules=None) -> str:
    "The table of contents with its API part listing exactly the pages of `modules` (the lines after `- file: api/index`)."
    m = re.search(r'^(\s*)- file: ' + API_DIR + r'/index\s*\n\s*sections:\s*\n((?:\s*- file: ' + API_DIR + r'/\w+\s*\n)*)', toc_text, flags=re.M)
    if not m: raise ValueError(f"_toc.yml has no `- file: {API_DIR}/index` entry with `sections:` under it")
    indent = m.group(1) + '    '
    return toc_text[:m.start(2)] + toc_lines(modules, indent) + toc_text[m.end(2):]


def main(argv=None):
    """python tools/api_ext.py [--write]: name the API pages missing and the table of contents' API entries that are out of
    date; with --write, create the pages and rewrite those entries (only the lines of the API part)."""
    import sys
    argv = sys.argv[1:] if argv is None else argv
    root = Path(__file__).resolve().parents[1]
    write = '--write' in argv
    missing = [m for m in public_modules() if not (root/API_DIR/f"{m.split('.')[-1]}.md").exists()]
    for m in missing:
        if write: (root/API_DIR).mkdir(exist_ok=True); (root/API_DIR/f"{m.split('.')[-1]}.md").write_text(stub(m))
        print(('wrote ' if write else 'missing: ') + f"{API_DIR}/{m.split('.')[-1]}.md")
    toc = (root/'_toc.yml').read_text()
    new = update_toc(toc)
    if new != toc:
        if write: (root/'_toc.yml').write_text(new); print("rewrote the API part of _toc.yml")
        else: print("the API part of _toc.yml is out of date")
    return 1 if (missing or new != toc) and not write else 0


if __name__ == '__main__':
    raise SystemExit(main())
