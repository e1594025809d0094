#!/usr/bin/env python
"""Would installing the course's wheel in Colab change anything Colab has? Asks pip, for each snapshot of Colab's
package set kept in tests/colab/ (Colab's own pip-freeze.txt and Python version, from github.com/googlecolab/backend-info).

    python tools/colab_resolve.py dist/seqcourse-0.1.0-py3-none-any.whl      # every snapshot in tests/colab/
    python tools/colab_resolve.py WHEEL tests/colab/2026-08-19.txt           # one snapshot

For each snapshot pip resolves the wheel with the snapshot's versions as constraints, for the snapshot's Python on
Colab's platform (Ubuntu 22.04: glibc 2.35, x86-64), as if nothing were installed, and writes what it would install as
a JSON report; it installs nothing, and from PyPI, which serves each wheel's metadata on its own (PEP 658), it
downloads only that metadata, never TensorFlow itself (an index that does not, such as some mirrors, costs the whole
wheels). The verdict is `ok` when pip resolves and every package of the report that Colab has is at Colab's version
(packages Colab lacks are listed: they would be added, nothing replaced). Exit status 0 when every snapshot is ok, 1 otherwise. It needs the package index (PyPI): it
runs in .ci/run, not in pytest (tests/test_install.py tests the parsing and the verdict on canned reports). pip runs
without this machine's pip configuration (PIP_* variables, pip.conf), as Colab's pip would.

pip evaluates environment markers (`; python_version < "3.12"`) for the interpreter it runs in, whatever
`--python-version` says, so this environment's pip (pure Python) runs in the snapshot's own Python when one is found
(`python3.13` on PATH, or a pyenv version); otherwise in this one, and the line says so."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT/'tests'/'colab'
GLIBC = (2, 35)   # Colab runs Ubuntu 22.04 (os-info.txt), whose glibc is 2.35

_pin = re.compile(r'^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$')
_url = re.compile(r'^([A-Za-z0-9][A-Za-z0-9._-]*)\s*@\s*\S+$')


def canonical(name:str) -> str:
    "A distribution name as pip compares them (PEP 503): lower case, runs of `-_.` as one `-`."
    return re.sub(r'[-_.]+', '-', name).lower()


def read_snapshot(path) -> dict:
    "A snapshot file: {'name', 'python' ('3.13'), 'pins' {canonical name: version}, 'urls' {canonical name: line}}."
    path = Path(path)
    python, pins, urls = None, {}, {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line: continue
        if line.startswith('#'):
            m = re.match(r'#\s*python:\s*(\d+)\.(\d+)', line)
            if m: python = f'{m.group(1)}.{m.group(2)}'
            continue
        if m := _pin.match(line): pins[canonical(m.group(1))] = m.group(2)
        elif m := _url.match(line): urls[canonical(m.group(1))] = line   # installed from a URL or a local file: not on the index
        else: raise ValueError(f"{path.name} line {n}: expected `name==version` or `name @ url`, got {line!r}")
    if python is None: raise ValueError(f"{path.name}: no `# python: X.Y` header line (the Python of that snapshot)")
    if not pins: raise ValueError(f"{path.name}: no `name==version` lines")
    return {'name': path.stem, 'python': python, 'pins': pins, 'urls': urls}


def constraints(snapshot:dict) -> str:
    "The snapshot as a pip constraints file: every `name==version` it lists."
    return ''.join(f'{name}=={version}\n' for name, version in sorted(snapshot['pins'].items()))


def platforms(glibc=GLIBC, arch='x86_64') -> list:
    "Every manylinux platform tag a Linux with this glibc runs (pip does not expand `--platform` by itself)."
    major, minor = glibc
    tags = [f'manylinux_{major}_{m}_{arch}' for m in range(minor, 4, -1)]
    return tags + [f'manylinux2014_{arch}', f'manylinux2010_{arch}', f'manylinux1_{arch}']


def find_python(version:str): # 'X.Y'
    "An interpreter of Python X.Y: `pythonX.Y` on PATH or a pyenv version; None if there is none."
    found = [shutil.which(f'python{version}')]
    found += sorted((Path.home()/'.pyenv'/'versions').glob(f'{version}.*/bin/python{version}'), reverse=True)
    for py in filter(None, found):
        p = subprocess.run([str(py), '-c', 'import sys; print(*sys.version_info[:2])'], capture_output=True, text=True)
        if p.returncode == 0 and '.'.join(p.stdout.split()) == version: return str(py)
    return None


def pip_command(wheel, snapshot:dict, constraints_file, report_file, python=sys.executable) -> list:
    "The pip command that resolves `wheel` for the snapshot's Python and platform, writing a report, installing nothing."
    cmd = [str(python), '-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--only-binary=:all:',
           '--progress-bar', 'off',
           '--python-version', snapshot['python'], '--implementation', 'cp']
    for p in platforms(): cmd += ['--platform', p]
    return cmd + ['-c', str(constraints_file), '--report', str(report_file), str(wheel)]


def same_version(a:str, b:str) -> bool:
    "Whether two version strings name one release (PEP 440: '2.20' is '2.20.0')."
    from packaging.version import InvalidVersion, Version
    try: return Version(a) == Version(b)
    except InvalidVersion: return a == b


def verdict(report:dict, snapshot:dict, own='seqcourse') -> dict:
    "What installing would do to Colab: {'ok', 'replaced': [(name, colab's, new)], 'added': [(name, version)]}."
    replaced, added = [], []
    for item in report.get('install', []):
        name, version = canonical(item['metadata']['name']), item['metadata']['version']
        if name == canonical(own): continue
        if name in snapshot['urls']: replaced.append((name, snapshot['urls'][name], version))
        elif name not in snapshot['pins']: added.append((name, version))
        elif not same_version(snapshot['pins'][name], version): replaced.append((name, snapshot['pins'][name], version))
    return {'ok': not replaced, 'replaced': replaced, 'added': added}


def pip_errors(output:str) -> list:
    "pip's explanation of a failure: from its first ERROR line, without the generic advice."
    lines = output.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith('ERROR')), max(len(lines) - 15, 0))
    keep = []
    for l in lines[start:]:
        if l.startswith('To fix this you could try') or l.startswith('Additionally, some packages'): break
        if l.strip(): keep.append(l.rstrip())
    return keep[:20]


def _pip_env():
    "The environment without this machine's pip configuration: pip reads PyPI as Colab's does."
    env = {k: v for k, v in os.environ.items() if not k.startswith('PIP_')}
    env['PIP_CONFIG_FILE'] = os.devnull   # no pip.conf (user, global or site)
    env['PIP_DISABLE_PIP_VERSION_CHECK'] = '1'
    return env


def check(wheel, snapshot_path, python=sys.executable) -> tuple:
    "Resolve `wheel` against one snapshot with pip in `python`: (verdict, message)."
    snap = read_snapshot(snapshot_path)
    with tempfile.TemporaryDirectory() as tmp:
        c, r = Path(tmp)/'constraints.txt', Path(tmp)/'report.json'
        c.write_text(constraints(snap))
        env = _pip_env()
        if str(python) != sys.executable:   # this environment's pip, in that Python (its own may be too old for --dry-run)
            import pip
            (Path(tmp)/'lib').mkdir(); (Path(tmp)/'lib'/'pip').symlink_to(Path(pip.__file__).parent)
            env['PYTHONPATH'] = str(Path(tmp)/'lib')
        p = subprocess.run(pip_command(wheel, snap, c, r, python), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env=env, timeout=900)
        if p.returncode != 0:
            return ({'ok': False, 'replaced': [], 'added': []},
                    f"pip cannot install it without changing Colab (exit status {p.returncode}):\n  " + '\n  '.join(pip_errors(p.stdout)))
        v = verdict(json.loads(r.read_text()), snap)
    msg = ('changes nothing Colab has' if v['ok'] else
           'would replace ' + ', '.join(f'{n} {old} with {new}' for n, old, new in v['replaced']))
    if v['added']: msg += '; would add ' + ', '.join(f'{n} {ver}' for n, ver in v['added'])
    return v, msg


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('wheel', help='the built wheel (e.g. dist/seqcourse-0.1.0-py3-none-any.whl)')
    p.add_argument('snapshots', nargs='*', help=f'snapshot files (default: every *.txt in {SNAPSHOTS.relative_to(ROOT)})')
    args = p.parse_args(argv)
    wheel = Path(args.wheel)
    if not wheel.is_file() or wheel.suffix != '.whl': p.error(f"expected a built wheel file (*.whl), got {args.wheel!r}")
    paths = [Path(s) for s in args.snapshots] or sorted(SNAPSHOTS.glob('*.txt'))
    if not paths: p.error(f'no snapshots in {SNAPSHOTS}')
    failed = 0
    for path in paths:
        snap = read_snapshot(path)
        python = find_python(snap['python'])
        v, msg = check(wheel, path, python or sys.executable)
        failed += not v['ok']
        markers = '' if python else f" (no Python {snap['python']} here: markers evaluated for {sys.version_info[0]}.{sys.version_info[1]})"
        print(f"Colab {snap['name']} (Python {snap['python']}): {'ok' if v['ok'] else 'FAILED'}: {wheel.name} {msg}{markers}")
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
