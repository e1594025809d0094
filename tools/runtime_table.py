"""Write `runtimes.md`, the index page's table of chapter runtimes, from the run records of real runs.

    python tools/runtime_table.py [--shared] BUILD [BUILD ...]

Each BUILD is a build folder of `seqcourse run` (its `results/runs.json` records every chapter's mode, status and
seconds; its `results/<chapter>.json` the machine). The newest successful quick and full run of each chapter wins.
Nothing is typed: run this after a full `seqcourse book` and commit the file it writes."""
import json, os, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def records(builds):
    "(chapter, quick, seconds, when, machine) of every successful run in the builds' run records."
    out = []
    for b in builds:
        runs = Path(b)/'results'/'runs.json'
        if not runs.exists(): raise SystemExit(f'{runs}: no run record (is {b} a build folder of `seqcourse run`?)')
        try: data = json.loads(runs.read_text())
        except json.JSONDecodeError as e: raise SystemExit(f'{runs}: not valid JSON ({e})') from None
        for ch, r in data.items():
            if r.get('status') != 'ok': continue
            res = Path(b)/'results'/f'{ch}.json'
            machine = ''
            if res.exists():
                meta = json.loads(res.read_text())
                cpu = meta.get('cpu') if isinstance(meta.get('cpu'), dict) else {}
                if cpu.get('model'): machine = f"{cpu['model']} ({', '.join(cpu.get('vector_extensions', []))})"
            out.append((ch, bool(r.get('quick')), float(r['seconds']), r.get('when', ''), machine))
    return out


def table(recs, chapters, shared=False):
    "Markdown: one row per chapter, quick and full seconds of its newest successful runs."
    best = {}
    for ch, quick, secs, when, machine in recs:
        k = (ch, quick)
        if k not in best or when > best[k][1]: best[k] = (secs, when, machine)
    cell = lambda k: f"{best[k][0]:.0f}" if k in best else '–'
    rows = ['| chapter | quick mode (s) | full mode (s) |', '|---|---:|---:|']
    rows += [f'| {ch} | {cell((ch, True))} | {cell((ch, False))} |' for ch in chapters if (ch, True) in best or (ch, False) in best]
    machines = sorted({m for *_, m in best.values() if m})
    dates = sorted(w[:10] for _, w, _ in best.values() if w)
    when = f'on {dates[0]}' if dates[0] == dates[-1] else f'between {dates[0]} and {dates[-1]}'
    note = (f"\n\nWall-clock seconds of `seqcourse run`, from the run records of runs made {when}"
            + (f" on {', '.join(machines)}" if machines else '') + ' (2 cores)'
            + ('; other jobs shared the machine during these runs, so the times are upper bounds' if shared else '')
            + '. Written by `tools/runtime_table.py` from the run records; do not edit.\n')
    return '\n'.join(rows) + note


def main(argv=None):
    builds = list(argv if argv is not None else sys.argv[1:])
    shared = '--shared' in builds
    builds = [b for b in builds if b != '--shared']
    if not builds: raise SystemExit(__doc__)
    sys.path.insert(0, str(ROOT))
    from seqcourse.runner import toc_chapters
    text = table(records(builds), toc_chapters(ROOT), shared=shared)
    fd, tmp = tempfile.mkstemp(dir=ROOT, suffix='.md'); os.close(fd)
    Path(tmp).write_text(text); os.replace(tmp, ROOT/'runtimes.md')
    print(text)


if __name__ == '__main__': main()
