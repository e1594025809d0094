"""The quick-mode book (the one tests/test_chapters.py builds) in a real browser, offline: headless Chromium (the system
package, driven by Selenium through the system chromedriver) with every http(s) request blocked, opening the pages from
disk as a reader of a downloaded book would. On every page: the maths rendered (no raw TeX left in the text), every
image loaded, no JavaScript errors in the console, exercise answers folded, the Colab button pointing at the page's own
notebook; the search page finds "LSTM". Screenshots of three pages are kept in <build>/screenshots for a person to look at."""
import json, os, re, shutil
from pathlib import Path
import pytest
from conftest import ROOT
from seqcourse.runner import toc_entries
from seqcourse import __version__ as VERSION

TOC = toc_entries((ROOT/'_toc.yml').read_text())
REPO = 'seqcourse/seqcourse'
SCREENSHOTS = ('index', 'nbs/02_rnn', 'nbs/07_textgen')
pytestmark = pytest.mark.browser


def _binaries():
    "The system browser and its driver: Debian's chromium and chromedriver, else Google Chrome's (as on GitHub's runners)."
    browser = shutil.which('chromium') or shutil.which('google-chrome') or shutil.which('chromium-browser')
    driver = shutil.which('chromedriver') or ('/usr/bin/chromedriver' if Path('/usr/bin/chromedriver').exists() else None)
    return browser, driver


@pytest.fixture(scope='module')
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    binary, driver = _binaries()
    assert binary and driver, 'the browser test needs chromium and chromedriver: apt-get install -y chromium chromium-driver'
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1280,1600',
              '--allow-file-access-from-files'):
        opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    d = webdriver.Chrome(service=Service(driver), options=opts)
    d.set_page_load_timeout(60); d.set_script_timeout(60)
    d.execute_cdp_cmd('Network.enable', {})
    d.execute_cdp_cmd('Network.setBlockedURLs', {'urls': ['http://*', 'https://*']})   # offline: nothing from a CDN
    yield d
    d.quit()


# Text outside code that still looks like TeX once MathJax has run: \( \) \[ \] $$ \begin{...} \frac \sum ...
_RAW_TEX = re.compile(r'\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\(frac|sum|sigma|tanh|mathbf|odot|cdot|top)\b')

_PAGE_STATE = r'''
const done = arguments[arguments.length - 1];
const ready = (window.MathJax && MathJax.startup && MathJax.startup.promise) ? MathJax.startup.promise : Promise.resolve();
ready.then(() => {
  const body = document.querySelector('main') || document.body;
  const copy = body.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, mjx-assistive-mml, .highlight, textarea').forEach(e => e.remove());
  const answers = [...document.querySelectorAll('.admonition.dropdown')].map(a => {
    const shown = [...a.children].filter(c => !c.classList.contains('admonition-title'))
                                 .some(c => c.offsetParent !== null && c.getBoundingClientRect().height > 0);
    return {title: (a.querySelector('.admonition-title') || a).textContent.trim().slice(0, 40), shown};
  });
  const solutions = [...document.querySelectorAll('details.hide')].filter(d => d.open).length;
  done({
    mathjax: !!window.MathJax, math: document.querySelectorAll('.math').length,
    rendered: document.querySelectorAll('mjx-container').length,
    text: copy.textContent,
    images: [...document.images].map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0})),
    answers, solutions,
    colab: [...document.querySelectorAll('a')].map(a => a.href).filter(h => h.includes('colab.research.google.com')),
  });
}).catch(e => done({error: String(e)}));
'''


def _open(browser, page):
    browser.get(page.as_uri())
    state = browser.execute_async_script(_PAGE_STATE)
    logs = [l for l in browser.get_log('browser') if l['level'] == 'SEVERE']
    return state, logs


@pytest.fixture(scope='module')
def html(book):
    build, p, _ = book
    assert p.returncode == 0 and (build/'html'/'index.html').exists(), 'the quick-mode book was not built (see test_chapters.py)'
    return build/'html'


@pytest.mark.parametrize('entry', TOC)
def test_page_in_a_browser_offline(browser, html, entry):
    page = html/(entry + '.html')
    state, errors = _open(browser, page)
    assert 'error' not in state, state
    assert not errors, f'JavaScript errors on {entry}: {json.dumps(errors, indent=1)[:2000]}'
    if state['math']:
        assert state['mathjax'] and state['rendered'] >= state['math'], f"{entry}: {state['rendered']} of {state['math']} formulas rendered"
    raw = sorted({m.group(0) for m in _RAW_TEX.finditer(state['text'])})
    assert not raw, f'{entry}: raw TeX left in the text: {raw}'
    broken = [i['src'] for i in state['images'] if not i['ok']]
    assert not broken, f'{entry}: images that did not load: {broken}'
    shown = [a['title'] for a in state['answers'] if a['shown']]
    assert not shown, f'{entry}: answers shown unfolded: {shown}'
    assert state['solutions'] == 0, f'{entry}: {state["solutions"]} folded cells are open'
    if entry.startswith('nbs/'):
        want = f'https://colab.research.google.com/github/{REPO}/blob/v{VERSION}/{entry}.ipynb'   # the tag the cell installs
        assert want in state['colab'], f'{entry}: the Colab button points at {state["colab"]}, not {want}'
    if entry in SCREENSHOTS:
        shots = html.parent/'screenshots'; shots.mkdir(exist_ok=True)
        browser.save_screenshot(str(shots/(entry.replace('/', '_') + '.png')))


def test_search_finds_lstm(browser, html):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get((html/'search.html').as_uri() + '?q=LSTM')
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, '#search-results li, ul.search li'))
    hits = [e.text for e in browser.find_elements(By.CSS_SELECTOR, '#search-results li, ul.search li')]
    assert any('LSTM' in h for h in hits), hits[:5]
    errors = [l for l in browser.get_log('browser') if l['level'] == 'SEVERE']
    assert not errors, errors
