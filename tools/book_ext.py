"""A small Sphinx extension for the course's book (named in _config.yml under sphinx.local_extensions; `seqcourse book`
copies it into the staged book). It removes script tags that appear twice on a page: sphinx-thebe adds its inline
configuration (`const THEBE_JS_URL = ...`) once per reading pass, and a second copy is a JavaScript error
("Identifier 'THEBE_JS_URL' has already been declared") in every reader's console. tests/test_browser.py checks the console."""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for js in context.get('script_files', []):
        key = (getattr(js, 'filename', None) or '', repr(sorted(getattr(js, 'attributes', {}).items())))
        if key in seen: continue
        seen.add(key); kept.append(js)
    context['script_files'] = kept


def setup(app):
    app.connect('html-page-context', _dedupe_scripts, priority=900)  # after the other extensions added theirs
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
