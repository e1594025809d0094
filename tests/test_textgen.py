"Unit tests of seqcourse.textgen and of the shared tools as the chapter uses them: data, baselines, models, generation, save/load."
import math
import numpy as np
import pytest
from seqcourse.data import Vocab, UnknownSymbolError, load_nietzsche, NIETZSCHE_CHARS
from seqcourse.chain import NGramModel
from seqcourse.models import CELLS, many_to_many, save_model, load_model
from seqcourse.sampling import Stepper, generate
from seqcourse.textgen import split_text, held_out_mask, repeated_share, text_sequences, epoch_windows, uniform_bits, MODEL_KINDS, nats_to_bits, per_position_bits
from seqcourse.exercises import check

HELLO = 'hello world ' * 60


def char_model(kind, vocab_size, units=128, embed_dim=32, lr=0.01, clipnorm=1.0):
    "The chapter's model: MODEL_KINDS[kind] as a many-to-many model over codes, compiled with RMSprop (clipped)."
    import keras
    cell, depth = MODEL_KINDS[kind]
    m = many_to_many(vocab_size, cell=cell, units=[units] * depth, inputs='codes', embed_dim=embed_dim)
    m.compile(optimizer=keras.optimizers.RMSprop(learning_rate=lr, clipnorm=clipnorm), loss='sparse_categorical_crossentropy')
    return m


@pytest.fixture(scope='module')
def hello():
    "A GRU trained until it continues 'hello world ' (a few seconds), with its vocabulary."
    from seqcourse.core import set_seed
    set_seed(0)
    text = HELLO[:24 * 12 + 1]
    v = Vocab.from_text(text, lower=True)
    X, Y = text_sequences(v.encode(text), 24)
    m = char_model('GRU', len(v), units=16, embed_dim=8, lr=0.03)
    m.fit(X, Y, batch_size=4, epochs=40, verbose=0)
    return m, v


# --- corpus and data ----------------------------------------------------------------------------

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


def test_split_by_blocks_and_shifted_sequences():
    tr, va = split_text('0123456789', 0.3, blocks=1)
    assert tr == ['0123456'] and va == ['789']
    tr, va = split_text('abcdefghij' * 20, 0.1, blocks=10)
    assert [len(t) for t in tr] == [18] * 10 and [len(v) for v in va] == [2] * 10 and ''.join(a + b for a, b in zip(tr, va)) == 'abcdefghij' * 20
    for bad in (0, 1, -0.1, True):
        with pytest.raises(ValueError, match='val_frac'): split_text('0123456789' * 10, bad)
    with pytest.raises(ValueError, match='too short'): split_text('abc', 0.1)
    with pytest.raises(ValueError, match="''"): split_text('')
    with pytest.raises(ValueError, match='blocks'): split_text('abcdefghij' * 10, blocks=0)
    X, Y = text_sequences(np.arange(23), 5)
    assert X.shape == Y.shape == (4, 5) and np.array_equal(Y, X + 1) and X[1, 0] == 5


def test_held_out_mask_matches_split_text():
    text = ''.join(chr(97 + i % 26) for i in range(237))
    for frac, blocks in ((0.1, 10), (0.3, 1), (0.25, 4)):
        mask = held_out_mask(len(text), frac, blocks)
        assert ''.join(np.array(list(text))[mask]) == ''.join(split_text(text, frac, blocks)[1])
    with pytest.raises(ValueError, match='val_frac'): held_out_mask(10, 1.5)
    with pytest.raises(ValueError, match='blocks'): held_out_mask(10, 0.1, 0)


def test_repeated_share_counts_held_out_copies_of_training_documents():
    docs = ['ab', 'cd', 'ab', 'ef', 'ab']                # 'ab\n\ncd\n\nab\n\nef\n\nab' (18 characters)
    assert repeated_share(docs, val_frac=0.2, blocks=1) == 0.5       # held out: '\nab', and 'ab' was seen in training
    assert repeated_share(['ab', 'cd', 'ef', 'gh'], val_frac=0.2, blocks=1) == 0
    assert repeated_share(docs, max_chars=14, val_frac=0.2, blocks=1) == 0   # cut after 'ef': held out '\nef', no copies
    assert repeated_share(list(dict.fromkeys(docs)), val_frac=0.2, blocks=1) == 0
    with pytest.raises(ValueError, match='docs'): repeated_share([])
    with pytest.raises(ValueError, match='max_chars'): repeated_share(docs, max_chars=0)


def test_epoch_windows_cut_from_a_new_offset_and_shuffle():
    rng = np.random.default_rng(0)
    offsets = set()
    for _ in range(20):
        X, Y = epoch_windows(np.arange(1000), 10, rng)
        assert np.array_equal(Y, X + 1) and len(set(X[:, 0] % 10)) == 1 and len(X) >= 98
        assert not np.array_equal(X[:, 0], np.sort(X[:, 0]))        # shuffled
        offsets.add(int(X[0, 0] % 10))
    assert len(offsets) > 3
    a, b = (epoch_windows(np.arange(100), 7, np.random.default_rng(3)) for _ in range(2))
    assert np.array_equal(a[0], b[0])                                 # the same generator seed, the same cut
    with pytest.raises(ValueError, match='5'): epoch_windows(np.arange(20), 4, 5)
    with pytest.raises(ValueError, match='length'): epoch_windows(np.arange(20), 0, np.random.default_rng(0))


def test_encoding_lower_cases_and_names_unknown_symbols():
    v = Vocab.from_text(HELLO, lower=True)
    assert v.decode(v.encode('Hello World')) == 'hello world'
    with pytest.raises(UnknownSymbolError, match="'!'"): v.encode('hello!')


# --- baselines ----------------------------------------------------------------------------------

def test_uniform_bits():
    assert uniform_bits(64) == 6 and uniform_bits(1) == 0
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match='vocab_size'): uniform_bits(bad)


def test_character_ngram_as_the_chapter_uses_it():
    "Fitted on a text, scored on a text with characters it never saw, continuing a capitalised prompt."
    text = 'the cat sat on the mat. the dog sat on the log.'
    v = Vocab.from_text(text + 'xyz', lower=True)  # x, y, z never seen in training
    m = NGramModel(3, v).fit(text)
    assert np.isclose(m.probs('the ').sum(), 1) and m.probs('qq').min() > 0
    assert 0 < m.bits_per_char('the xyz cat') < math.inf
    rep = 'abcabcabcabc' * 20
    v2 = Vocab.from_text(rep)
    b1, b3 = (NGramModel(n, v2).fit(rep).bits_per_char('abcabcabc') for n in (1, 3))
    assert b3 < 0.2 < b1 and abs(b1 - math.log2(3)) < 0.05 and b1 < uniform_bits(len(v2)) + 1e-9
    h = NGramModel(4, Vocab.from_text(HELLO, lower=True)).fit(HELLO)
    assert h.generate('Hello', 12) == ' world hello'
    a = h.generate('hel', 30, temperature=1.0, rng=np.random.default_rng(0))
    assert a == h.generate('hel', 30, temperature=1.0, rng=np.random.default_rng(0))


# --- models -------------------------------------------------------------------------------------

def test_model_kinds_name_cells_and_depths():
    assert set(MODEL_KINDS) == set(CELLS) | {'Deep LSTM'} and MODEL_KINDS['Deep LSTM'] == ('LSTM', 2)
    assert all(MODEL_KINDS[c] == (c, 1) for c in CELLS)


@pytest.mark.parametrize('kind', list(MODEL_KINDS))
def test_char_model_layers_and_outputs(kind):
    m = char_model(kind, 7, units=5, embed_dim=3)
    assert [l.name for l in m.layers] == ['embed'] + [f'rnn{i + 1}' for i in range(MODEL_KINDS[kind][1])] + ['output']
    P = m.predict_on_batch(np.zeros((2, 9), 'int32'))
    assert P.shape == (2, 9, 7) and np.allclose(P.sum(-1), 1, atol=1e-5)


def test_nats_to_bits():
    assert nats_to_bits(math.log(2)) == pytest.approx(1) and np.allclose(nats_to_bits([0, math.log(4)]), [0, 2])
    for bad in ('x', float('nan'), None, True):
        with pytest.raises(ValueError, match='nats'): nats_to_bits(bad)


@pytest.mark.parametrize('kind', list(MODEL_KINDS))
def test_the_stepper_carries_the_state_exactly(kind):
    m = char_model(kind, 6, units=4, embed_dim=3)
    x = np.random.default_rng(0).integers(0, 6, (1, 12)).astype('int32')
    full = m.predict_on_batch(x)[0]
    stepper = Stepper(m).reset(1)
    got = np.array([stepper.step(x[:, t])[0] for t in range(12)])
    assert np.abs(full - got).max() < 1e-5


def test_per_position_bits_matches_evaluate(hello):
    m, v = hello
    X, Y = text_sequences(v.encode(HELLO[:300]), 24)
    pb = per_position_bits(m, X, Y)
    assert pb.shape == (24,)
    assert pb.mean() == pytest.approx(nats_to_bits(m.evaluate(X, Y, verbose=0)), abs=1e-3)
    with pytest.raises(ValueError, match='shape'): per_position_bits(m, X, Y[:, :3])


# --- generation ---------------------------------------------------------------------------------

def test_a_tiny_trained_model_continues_its_text(hello):
    m, v = hello
    assert generate(m, v, 'hello wor', 14) == 'ld hello world'
    assert generate(m, v, 'Hello Wor', 14) == 'ld hello world'          # the prompt is lower-cased
    assert generate(m, v, 'hello wor', 14, window=9) == 'ld hello world'
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
    m = char_model('LSTM', 5, units=6, embed_dim=3)
    reread = lambda windows: m.predict_on_batch(np.asarray(windows, 'int32'))[:, -1]  # the whole text so far, every step
    a = generate(m, v, 'abc', 10, temperature=1.0, rng=np.random.default_rng(1))
    b = generate(reread, v, 'abc', 10, temperature=1.0, rng=np.random.default_rng(1), window=50)
    assert a == b


# --- save and load ------------------------------------------------------------------------------

def test_save_load_round_trip_gives_the_same_sample(hello, tmp_path):
    m, v = hello
    path = save_model(m, tmp_path/'sub'/'hello.keras', v)
    m2, v2 = load_model(path)
    assert v2.symbols == v.symbols and v2.lower is True
    kw = dict(temperature=1.3, top_p=0.95)
    assert generate(m2, v2, 'Hello', 80, rng=np.random.default_rng(9), **kw) == \
           generate(m, v, 'Hello', 80, rng=np.random.default_rng(9), **kw)


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
