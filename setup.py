"""Packaging for seqcourse. All metadata lives in settings.ini (nbdev 2); edit it there."""
from configparser import ConfigParser
from pathlib import Path
import shlex
import setuptools

here = Path(__file__).parent
config = ConfigParser(delimiters=['='])
config.read(here / 'settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

requirements = shlex.split(cfg.get('requirements', ''))
extras = {k: shlex.split(cfg.get(f'{k}_requirements', '')) for k in ('grade', 'book', 'dev')}
# [dev] is everything: what instructors (grade) and authors (book) need, and the tooling.
extras['dev'] = list(dict.fromkeys(extras['grade'] + extras['book'] + extras['dev']))
scripts = [s.strip() for s in cfg.get('console_scripts', '').split('\n') if s.strip()]

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=(here / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    author_email=cfg['author_email'],
    url=cfg['git_url'],
    license='Apache-2.0',
    keywords=cfg['keywords'].split(),
    classifiers=[
        'Development Status :: 3 - Alpha',
        'Intended Audience :: Education',
        'License :: OSI Approved :: Apache Software License',
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    python_requires='>=' + cfg['min_python'],
    # The datasets in data/ ship inside the wheel as the sub-package seqcourse.datasets,
    # so a chapter runs in Colab or a fresh venv with no clone and no network.
    packages=['seqcourse', 'seqcourse.datasets'],
    package_dir={'seqcourse': 'seqcourse', 'seqcourse.datasets': 'data'},
    package_data={'seqcourse.datasets': ['*.txt', '*.tsv', '*.md']},
    include_package_data=False,
    install_requires=requirements,
    extras_require=extras,
    entry_points={'console_scripts': scripts, 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)
