"Unit tests of seqcourse.textgen: corpus, encoding, baselines, models, generation, save/load and errors."
import math
import numpy as np
import pytest
from seqcourse.data import Vocab, UnknownSymbolError
from seqcourse.textgen import (stdlib_docstrings, corpus_info, load_corpus, load_nietzsche, split_text,
                               text_sequences, uniform_bits, NGramModel, build_char_model, nats_to_bits,
                               step_model, generate, per_position_bits, sample_quality, save_char_model,
                               load_char_model, NIETZSCHE_CHARS)
from seqcourse.exercises import check

HELLO = 'hello world ' * 60


@pytest.fixture(scope='module')
def hello():
    "A GRU trained until it continues 'hello world ' (a few seconds), with its vocabulary."
    from seqcourse.core import set_seed
    set_seed(0)
    text = HELLO[:24 * 12 + 1]
    v = Vocab.from_text(text, lower=True)
    X, Y = text_sequences(v.encode(text), 24)
    m = build_char_model('GRU', len(v), units=16, embed_dim=8, lr=0.03)
    m.fit(X, Y, batch_size=4, epochs=40, verbose=0)
    return m, v


# --- corpus -------------------------------------------------------------------------------------

def test_stdlib_corpus_is_deterministic_ascii_and_lower_case():
    a = stdlib_docstrings(max_chars=3000)
    assert len(a) == 3000 and a.isascii() and a == a.lower() and a == stdlib_docstrings(max_chars=3000)
    assert stdlib_docstrings(lower=False, max_chars=3000).lower() == a
    info = corpus_info(a)
    assert info['chars'] == 3000 and info['distinct'] == len(set(a)) and len(info['sha256']) == 16


def test_load_corpus_names():
    assert load_corpus('sentences', max_chars=50) == load_corpus('sentences').lower()[:50]
    with pytest.raises(ValueError, match="unknown corpus 'shakespeare'"): load_corpus('shakespeare')
    with pytest.raises(ValueError, match='max_chars'): load_corpus('stdlib', max_chars=0)


def test_nietzsche_loader_checks_the_length_without_network(tmp_path, monkeypatch):
    import keras
    fake = tmp_path/'nietzsche.txt'; fake.write_text('too short')
    seen = {}
    def fake_get_file(fname, origin, file_hash=None, **kw):
        seen.update(fname=fname, origin=origin, file_hash=file_hash); return str(fake)
    monkeypatch.setattr(keras.utils, 'get_file', fake_get_file)
    with pytest.raises(ValueError, match=f'{NIETZSCHE_CHARS:,}'): load_nietzsche(sha256='ab' * 32)
    assert seen['file_hash'] == 'ab' * 32 and seen['origin'].endswith('nietzsche.txt')
    fake.write_text('X' * NIETZSCHE_CHARS)
    assert load_nietzsche() == 'x' * NIETZSCHE_CHARS


# --- data ---------------------------------------------------------------------------------------

def test_split_by_position_and_shifted_sequences():
    tr, va = split_text('0123456789', 0.3)
    assert tr + va == '0123456789' and va == '789'
    for bad in (0, 1, -0.1):
        with pytest.raises(ValueError, match='val_frac'): split_text('0123456789', bad)
    with pytest.raises(ValueError, match='too short'): split_text('abc', 0.1)
    X, Y = text_sequences(np.arange(23), 5)
    assert X.shape == Y.shape == (4, 5) and np.array_equal(Y, X + 1) and X[1, 0] == 5


def test_encoding_lower_cases_and_names_unknown_symbols():
    v = Vocab.from_text(HELLO, lower=True)
    assert v.decode(v.encode('Hello World')) == 'hello world'
    with pytest.raises(UnknownSymbolError, match="'!'"): v.encode('hello!')


# --- baselines ----------------------------------------------------------------------------------

def test_uniform_bits():
    assert uniform_bits(64) == 6 and uniform_bits(1) == 0
    with pytest.raises(ValueError): uniform_bits(0)


@pytest.mark.parametrize('order', [1, 2, 3, 5])
def test_ngram_is_a_proper_distribution(order):
    text = 'the cat sat on the mat. the dog sat on the log.'
    v = Vocab.from_text(text + 'xyz')  # x, y, z never seen in training
    m = NGramModel(order, v).fit(text)
    for ctx in ('', 'th', 'the ', 'qqq', 'on the m'):
        ps = [m.prob(ctx, c) for c in v.symbols]
        assert abs(sum(ps) - 1) < 1e-12 and min(ps) > 0
        assert np.allclose(m.probs(ctx), ps)


def test_ngram_witten_bell_unigram_formula_and_orders():
    text = 'aab'
    v = Vocab(list('abc'))
    m = NGramModel(1, v).fit(text)
    # N = 3, T = 2 distinct: P(a) = (2 + 2/3) / 5, P(c) = (0 + 2/3) / 5
    assert math.isclose(m.prob('', 'a'), (2 + 2 / 3) / 5) and math.isclose(m.prob('', 'c'), (2 / 3) / 5)
    rep = 'abcabcabcabc' * 20
    v2 = Vocab.from_text(rep)
    b1, b3 = (NGramModel(n, v2).fit(rep).bits_per_char('abcabcabc') for n in (1, 3))
    assert b3 < 0.2 < b1 and abs(b1 - math.log2(3)) < 0.05


def test_ngram_errors_and_generation():
    v = Vocab.from_text(HELLO, lower=True)
    with pytest.raises(ValueError, match='order'): NGramModel(0, v)
    with pytest.raises(RuntimeError, match='fit'): NGramModel(2, v).probs('he')
    m = NGramModel(4, v).fit(HELLO)
    assert m.generate('Hello', 12) == ' world hello'
    a = m.generate('hel', 30, temperature=1.0, rng=np.random.default_rng(0))
    assert a == m.generate('hel', 30, temperature=1.0, rng=np.random.default_rng(0))
    with pytest.raises(UnknownSymbolError): m.generate('hi!', 3)


# --- models -------------------------------------------------------------------------------------

@pytest.mark.parametrize('kind, n_rnn', [('LSTM', 1), ('GRU', 1), ('SimpleRNN', 1), ('Deep LSTM', 2)])
def test_build_char_model(kind, n_rnn):
    import keras
    m = build_char_model(kind, 7, units=5, embed_dim=3)
    rnns = [l for l in m.layers if isinstance(l, keras.layers.RNN)]
    assert len(rnns) == n_rnn and all(l.return_state and l.return_sequences for l in rnns)
    P = m.predict_on_batch(np.zeros((2, 9), 'int32'))
    assert P.shape == (2, 9, 7) and np.allclose(P.sum(-1), 1, atol=1e-5)


@pytest.mark.parametrize('bad', [dict(kind='Transformer'), dict(vocab_size=0), dict(units=2.5)])
def test_build_char_model_errors(bad):
    args = dict(kind='LSTM', vocab_size=7, units=4, **{})
    args.update(bad)
    with pytest.raises(ValueError): build_char_model(**args)


def test_nats_to_bits():
    assert nats_to_bits(math.log(2)) == pytest.approx(1) and np.allclose(nats_to_bits([0, math.log(4)]), [0, 2])


@pytest.mark.parametrize('kind', ['LSTM', 'GRU', 'SimpleRNN', 'Deep LSTM'])
def test_step_model_carries_the_state_exactly(kind):
    m = build_char_model(kind, 6, units=4, embed_dim=3)
    step = step_model(m)
    assert step_model(m) is step  # cached
    x = np.random.default_rng(0).integers(0, 6, (1, 12)).astype('int32')
    full = m.predict_on_batch(x)[0]
    states = [np.zeros((1, 4), 'float32') for _ in step.inputs[1:]]
    got = []
    for t in range(12):
        p, *states = step.predict_on_batch([x[:, t:t + 1]] + list(states))
        got.append(p[0, 0])
    assert np.abs(full - np.array(got)).max() < 1e-5


def test_step_model_needs_return_state():
    import keras
    inp = keras.Input((None,), dtype='int32'); h = keras.layers.Embedding(5, 2)(inp)
    h = keras.layers.GRU(3, return_sequences=True)(h); m = keras.Model(inp, keras.layers.Dense(5, activation='softmax')(h))
    with pytest.raises(ValueError, match='return_state'): step_model(m)


# --- generation ---------------------------------------------------------------------------------

def test_a_tiny_trained_model_continues_its_text(hello):
    m, v = hello
    assert generate(m, v, 'hello wor', 14) == 'ld hello world'
    assert generate(m, v, 'Hello Wor', 14) == 'ld hello world'          # the seed is lower-cased
    assert generate(m, v, 'hello wor', 14, method='window', window=24) == 'ld hello world'
    assert generate(m, v, 'hello', 0) == ''


def test_generation_is_deterministic_with_the_same_seed(hello):
    m, v = hello
    for kw in (dict(temperature=1.5), dict(top_p=0.99), dict(temperature=2.0, top_p=0.9)):
        a = generate(m, v, 'hel', 60, rng=np.random.default_rng(3), **kw)
        assert len(a) == 60 and set(a) <= set(v.symbols)
        assert a == generate(m, v, 'hel', 60, rng=np.random.default_rng(3), **kw)
    hot = [generate(m, v, 'hel', 60, temperature=3.0, rng=np.random.default_rng(s)) for s in range(3)]
    assert len(set(hot)) > 1


def test_state_and_window_agree_while_the_window_holds_everything():
    v = Vocab(list('abcde'))
    m = build_char_model('LSTM', 5, units=6, embed_dim=3)
    a = generate(m, v, 'abc', 10, temperature=1.0, rng=np.random.default_rng(1))
    b = generate(m, v, 'abc', 10, temperature=1.0, rng=np.random.default_rng(1), method='window', window=50)
    assert a == b


@pytest.mark.parametrize('kw, err, msg', [
    (dict(seed_text='hello!'), UnknownSymbolError, r"seed text 'hello!'.*'!'"),
    (dict(seed_text=''), ValueError, 'non-empty'),
    (dict(n=-1), ValueError, 'non-negative'),
    (dict(temperature=0, rng=np.random.default_rng(0)), ValueError, 'temperature must be a number > 0'),
    (dict(temperature=-1, rng=np.random.default_rng(0)), ValueError, 'temperature'),
    (dict(top_p=0, rng=np.random.default_rng(0)), ValueError, r'top_p must be a number in \(0, 1\]'),
    (dict(top_p=1.5, rng=np.random.default_rng(0)), ValueError, 'top_p'),
    (dict(temperature=0.5), TypeError, 'numpy Generator'),
    (dict(method='beam'), ValueError, 'method'),
    (dict(method='window', window=0), ValueError, 'window'),
])
def test_generate_errors(hello, kw, err, msg):
    m, v = hello
    args = dict(seed_text='hello', n=5); args.update(kw)
    with pytest.raises(err, match=msg): generate(m, v, **args)


def test_per_position_bits_matches_evaluate(hello):
    m, v = hello
    X, Y = text_sequences(v.encode(HELLO[:300]), 24)
    pb = per_position_bits(m, X, Y)
    assert pb.shape == (24,)
    assert pb.mean() == pytest.approx(nats_to_bits(m.evaluate(X, Y, verbose=0)), abs=1e-3)
    with pytest.raises(ValueError, match='shape'): per_position_bits(m, X, Y[:, :3])


def test_sample_quality():
    q = sample_quality('the cat the cat', {'the', 'cat'})
    assert q == {'real_words': 1.0, 'distinct': 8 / 12}
    assert sample_quality('xq the', {'the'})['real_words'] == 0.5


# --- save and load ------------------------------------------------------------------------------

def test_save_load_round_trip_gives_the_same_sample(hello, tmp_path):
    m, v = hello
    path = save_char_model(m, v, tmp_path/'sub'/'hello.keras')
    assert path.is_file() and path.with_suffix('.vocab.json').is_file()
    m2, v2 = load_char_model(path)
    assert v2.symbols == v.symbols and v2.lower is True
    kw = dict(temperature=1.3, top_p=0.95)
    assert generate(m2, v2, 'Hello', 80, rng=np.random.default_rng(9), **kw) == \
           generate(m, v, 'Hello', 80, rng=np.random.default_rng(9), **kw)


def test_save_load_errors(hello, tmp_path):
    m, v = hello
    with pytest.raises(ValueError, match='.keras'): save_char_model(m, v, tmp_path/'model.h5')
    with pytest.raises(FileNotFoundError, match='no model file'): load_char_model(tmp_path/'missing.keras')
    p = save_char_model(m, v, tmp_path/'m.keras'); p.with_suffix('.vocab.json').unlink()
    with pytest.raises(FileNotFoundError, match='vocabulary'): load_char_model(p)


# --- exercises ----------------------------------------------------------------------------------

def test_exercise_checkers_accept_right_and_reject_wrong_answers():
    def top_k(p, k):
        p = np.asarray(p, float); q = np.zeros_like(p); i = np.argsort(-p)[:k]; q[i] = p[i]; return q / q.sum()
    def top_k_unnormalised(p, k):
        p = np.asarray(p, float); q = np.zeros_like(p); i = np.argsort(-p)[:k]; q[i] = p[i]; return q
    assert check('textgen-1', top_k) and not check('textgen-1', top_k_unnormalised)
    assert not check('textgen-1', top_k(np.ones(3) / 3, 1))  # a value, not a function
    bits = lambda P, y: -np.log2(P[np.arange(len(y)), y]).mean()
    nats = lambda P, y: -np.log(P[np.arange(len(y)), y]).mean()
    assert check('textgen-2', bits) and not check('textgen-2', nats)
