"Unit tests of seqcourse.data: vocabularies, codes, windows and the bundled datasets."
import numpy as np
import pytest
from seqcourse.data import (Vocab, UnknownSymbolError, tokenize, one_hot, scale_codes, windows, shifted_windows,
                            list_datasets, dataset_path, load_text, data_card, STDLIB_MODULES, docstring_sentences,
                            stdlib_docstrings, corpus_info, load_corpus, NIETZSCHE_CHARS,
                            stdlib_docstring_list)


def test_tokenize_levels():
    assert tokenize('ab c') == ['a', 'b', ' ', 'c']
    assert tokenize("It's late, Bob.", 'word', lower=True) == ["it's", 'late', ',', 'bob', '.']
    with pytest.raises(ValueError, match="'sentence'"): tokenize('x', 'sentence')
    with pytest.raises(TypeError, match='str'): tokenize(['a'])


@pytest.mark.parametrize('text', ['hello world', 'the cat sat on the mat.', 'a'])
def test_char_round_trip(text):
    v = Vocab.from_text(text)
    assert v.decode(v.encode(text)) == text
    assert sorted(v.symbols) == v.symbols and len(v) == len(set(text))


def test_word_round_trip_and_codes_are_sorted():
    v = Vocab.from_text(['love it', 'hate it'], level='word')
    assert v.symbols == ['hate', 'it', 'love']
    assert v.encode('love it').tolist() == [2, 1]
    assert v.decode([2, 1]) == ['love', 'it'] and v.decode([2, 1], join=True) == 'love it'


def test_unknown_symbol_error_names_symbol_and_position():
    v = Vocab.from_text('abc')
    with pytest.raises(UnknownSymbolError, match=r"'z' at position 2") as e: v.encode('abz')
    assert isinstance(e.value, ValueError) and "unk=" in str(e.value)
    w = Vocab.from_text('love it', level='word')
    with pytest.raises(UnknownSymbolError, match="'hate'"): w.encode(['love', 'hate'])


def test_unknown_and_padding_policy():
    v = Vocab.from_text('abc', unk='<unk>', pad='<pad>')
    assert v[0] == '<pad>' and v.encode('').tolist() == []
    assert v.decode(v.encode('axb'), join=False) == ['a', '<unk>', 'b']
    assert len(v) == 5


def test_min_count_drops_rare_symbols():
    v = Vocab.from_text('aaab', min_count=2, unk='?')
    assert 'b' not in v and v.decode(v.encode('ab'), join=False) == ['a', '?']


def test_vocab_rejects_duplicates_and_bad_codes():
    with pytest.raises(ValueError, match="repeated: \\['a'\\]"): Vocab(['a', 'b', 'a'])
    v = Vocab(list('ab'))
    with pytest.raises(ValueError, match='code 5 at position 1'): v.decode([0, 5])
    with pytest.raises(TypeError, match='argmax'): v.decode(np.array([0.2, 0.8]))
    with pytest.raises(ValueError, match='1-D'): v.decode([[0, 1]])


def test_one_hot_matches_identity_and_checks_range():
    h = one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert h.shape == (2, 2, 3) and h.dtype == np.float32
    assert np.array_equal(h.argmax(-1), [[0, 2], [1, 1]]) and np.all(h.sum(-1) == 1)
    with pytest.raises(ValueError, match='code 3 is outside 0..2'): one_hot([0, 3], 3)
    with pytest.raises(ValueError, match='code -1'): one_hot([-1], 3)
    with pytest.raises(TypeError, match='integers'): one_hot([0.5], 3)
    with pytest.raises(ValueError, match='depth'): one_hot([0], 0)
    with pytest.raises(ValueError, match='depth'): one_hot([0], True)          # a bool is not a size


def test_scale_codes_is_code_over_depth():
    s = scale_codes([0, 13, 25], 26)
    assert s.shape == (3, 1) and np.allclose(s[:, 0], [0, 0.5, 25 / 26])
    with pytest.raises(ValueError, match='code 26'): scale_codes([26], 26)


def test_windows_next_item():
    X, y = windows(np.arange(7), 3)
    assert X.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]] and y.tolist() == [3, 4, 5, 6]
    X, y = windows(np.arange(10), 3, step=4)
    assert X[:, 0].tolist() == [0, 4] and y.tolist() == [3, 7]


def test_shifted_windows():
    X, Y = shifted_windows(list('hello!'), 4)
    assert [''.join(r) for r in X] == ['hell', 'ello'] and [''.join(r) for r in Y] == ['ello', 'llo!']


@pytest.mark.parametrize('args, msg', [((np.arange(3), 3), 'at least 4 items'), ((np.arange(9), 0), 'length must be'),
                                       ((np.arange(9), 2, 0), 'step must be'), ((5, 2), 'scalar'),
                                       ((np.arange(9), True), 'length must be'), ((np.arange(9), 2.0), 'length must be')])
def test_window_errors(args, msg):
    with pytest.raises(ValueError, match=msg): windows(*args)


def test_every_dataset_has_a_complete_data_card():
    names = list_datasets()
    assert 'sentences' in names
    for name in names:
        assert dataset_path(name).stat().st_size > 0
        card = data_card(name).lower()
        for field in ('origin', 'size', 'licence'):
            assert field in card, f"data card of {name!r} lacks {field!r}"


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match="no bundled dataset 'nietzsche'; the datasets are: .*sentences"):
        load_text('nietzsche')


# ---- corpora for language models (no network: load_nietzsche is never called) ---------------------------------
def test_docstring_sentences_are_short_sorted_lowercase_sentences():
    s = docstring_sentences()
    assert len(s) > 100 and s == sorted(s) and len(set(s)) == len(s)
    assert all(x.endswith('.') and 16 <= len(x) <= 60 and x == x.lower() and '\n' not in x for x in s)
    short = docstring_sentences(30, modules=STDLIB_MODULES[:10])
    assert short and all(len(x) <= 30 for x in short) and set(short) <= set(docstring_sentences(30))
    with pytest.raises(ValueError, match='max_chars'): docstring_sentences(10)
    with pytest.raises(ValueError, match='max_chars'): docstring_sentences(True)


def test_stdlib_docstrings_and_corpus_info():
    a = stdlib_docstrings(max_chars=3000)
    assert len(a) == 3000 and a.isascii() and a == a.lower() and a == stdlib_docstrings(max_chars=3000)
    assert stdlib_docstrings(lower=False, max_chars=3000).lower() == a
    info = corpus_info(a)
    assert info['chars'] == 3000 and info['distinct'] == len(set(a)) and len(info['sha256']) == 16
    assert NIETZSCHE_CHARS == 600_893


def test_stdlib_docstring_list_and_unique_copies():
    docs = stdlib_docstring_list(max_chars=50_000)
    assert '\n\n'.join(docs)[:3000] == stdlib_docstrings(max_chars=3000) and sum(len(d) + 2 for d in docs) >= 50_000
    uniq = stdlib_docstring_list(unique=True, max_chars=50_000)
    assert len(set(uniq)) == len(uniq) and set(uniq) == set(docs[:len(uniq)]) | set(uniq)
    assert [d for i, d in enumerate(docs) if d not in docs[:i]] == uniq[:len(dict.fromkeys(docs))]
    assert stdlib_docstrings(max_chars=3000, unique=True) == '\n\n'.join(uniq)[:3000]
    assert all(d == d.lower() for d in docs) and any(d != d.lower() for d in stdlib_docstring_list(lower=False, max_chars=5000))
    with pytest.raises(ValueError, match='max_chars'): stdlib_docstring_list(max_chars=0)


def test_load_corpus_by_name():
    assert load_corpus('stdlib', max_chars=500) == stdlib_docstrings(max_chars=500)
    assert load_corpus('sentences', max_chars=50) == load_text('sentences').lower()[:50]
    assert load_corpus('sentences', lower=False) == load_text('sentences')
    with pytest.raises(ValueError, match="unknown corpus 'shakespeare'"): load_corpus('shakespeare')
    for bad in (0, 1, 2.5, True):
        with pytest.raises(ValueError, match='max_chars'): load_corpus('stdlib', max_chars=bad)
