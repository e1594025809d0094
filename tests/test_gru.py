"""Tests of seqcourse.gru: ScratchGRU against keras.layers.GRU in both forms, parameter counts, the deep
from-scratch model against Keras stacks, the sentence arrays, sampling, and the save/load round trip in a
fresh process."""
import numpy as np
import pytest
import keras

from seqcourse.gru import (ScratchGRU, rnn_param_count, keras_layer, DeepRNN, keras_deep_rnn, sentence_vocab,
                           sentence_arrays, CharStepper, sample_sentences, predict_next, save_char_model,
                           load_char_model, fresh_process_samples)

SHAPES = [(1, 1, 1, 1), (1, 1, 3, 4), (2, 1, 5, 3), (1, 9, 2, 5), (5, 13, 4, 7)]


def _keras_gru(units, features, reset_after, seed):
    layer = keras.layers.GRU(units, return_sequences=True, return_state=True, reset_after=reset_after,
                             bias_initializer=keras.initializers.RandomNormal(stddev=0.7, seed=seed),
                             kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
                             recurrent_initializer=keras.initializers.Orthogonal(seed=seed))
    layer.build((None, None, features))
    return layer


@pytest.mark.parametrize('reset_after', [True, False])
@pytest.mark.parametrize('shape', SHAPES)
def test_scratch_gru_matches_keras(shape, reset_after):
    batch, time, features, units = shape
    layer = _keras_gru(units, features, reset_after, seed=sum(shape))
    x = np.random.default_rng(sum(shape)).normal(size=(batch, time, features)).astype('float32')
    seq, last = (np.asarray(t) for t in layer(x))
    ours, our_last = ScratchGRU.from_keras(layer)(x)
    assert ours.shape == (batch, time, units) and our_last.shape == (batch, units)
    assert np.abs(ours - seq).max() < 1e-5
    assert np.abs(our_last - last).max() < 1e-5


def test_scratch_gru_initial_state_and_gates():
    layer = _keras_gru(4, 3, True, seed=1)
    x = np.random.default_rng(1).normal(size=(2, 6, 3)).astype('float32')
    h0 = np.random.default_rng(2).uniform(-1, 1, size=(2, 4)).astype('float32')
    seq, _ = layer(x, initial_state=h0)
    ours, _, gates = ScratchGRU.from_keras(layer)(x, h0=h0, return_gates=True)
    assert np.abs(ours - np.asarray(seq)).max() < 1e-5
    assert set(gates) == {'z', 'r', 'candidate'} and gates['z'].shape == (2, 6, 4)
    assert (gates['z'] > 0).all() and (gates['z'] < 1).all()


def test_the_two_forms_differ():
    layer = _keras_gru(6, 3, True, seed=3)
    g = ScratchGRU.from_keras(layer)
    other = ScratchGRU(g.W, g.U, g.b.sum(0), reset_after=False)
    x = np.random.default_rng(3).normal(size=(2, 10, 3))
    assert np.abs(g(x)[0] - other(x)[0]).max() > 1e-3


def test_scratch_gru_errors():
    with pytest.raises(ValueError, match='no weights yet'):
        ScratchGRU.from_keras(keras.layers.GRU(3))
    with pytest.raises(TypeError, match='GRU'):
        ScratchGRU.from_keras(keras.layers.LSTM(3))
    g = ScratchGRU.from_keras(_keras_gru(3, 4, True, seed=0))
    with pytest.raises(ValueError, match=r'\(batch, time, 4\)'):
        g(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r'\(batch, time, 4\)'):
        g(np.zeros((5, 4)))
    with pytest.raises(ValueError, match='bias must have shape'):
        ScratchGRU(np.zeros((2, 9)), np.zeros((3, 9)), np.zeros(9), reset_after=True)


@pytest.mark.parametrize('cell,kw', [('SimpleRNN', {}), ('LSTM', {}), ('GRU', {'reset_after': True}),
                                     ('GRU', {'reset_after': False})])
@pytest.mark.parametrize('m,n', [(1, 1), (7, 3), (40, 16)])
def test_param_count_formula(cell, kw, m, n):
    layer = keras_layer(cell, n, **kw)
    layer.build((None, None, m))
    assert rnn_param_count(cell, m, n, **kw) == layer.count_params()


def test_param_count_errors():
    with pytest.raises(ValueError, match="'GRU'"):
        rnn_param_count('transformer', 3, 4)
    with pytest.raises(ValueError, match='n must be a positive integer'):
        rnn_param_count('GRU', 3, 0)


@pytest.mark.parametrize('unit_type', ['gru', 'lstm'])
def test_deep_rnn_matches_keras_stack(unit_type):
    km = keras_deep_rnn(6, [5, 4], 6, unit_type, reset_after=False, seed=2)
    dm = DeepRNN(6, [5, 4], 6, unit_type).copy_from_keras(km)
    x = np.random.default_rng(0).normal(size=(3, 7, 6)).astype('float32')
    assert dm.count_params() == km.count_params()
    assert np.abs(np.asarray(km(x)) - dm(x).numpy()).max() < 1e-5


def test_deep_rnn_errors():
    with pytest.raises(ValueError, match="'gru' or 'lstm'"):
        DeepRNN(3, [4], 3, unit_type='rnn')
    with pytest.raises(ValueError, match='widths'):
        DeepRNN(3, [4, 0], 3)
    with pytest.raises(ValueError, match='reset_after=False'):
        DeepRNN(3, [4], 3).copy_from_keras(keras_deep_rnn(3, [4], 3, 'gru', reset_after=True))


SENTS = ['return the sum.', 'open a file.', 'close it now.']


def test_sentence_arrays():
    v = sentence_vocab(SENTS)
    X, Y, M = sentence_arrays(SENTS, v)
    assert X.shape == (3, len(SENTS[0]) + 1, len(v)) and Y.shape == M.shape == X.shape[:2]
    n = len(SENTS[1]) + 1
    assert v.decode(Y[1, :n]) == SENTS[1] + '\n' and M[1, :n].all() and not M[1, n:].any()
    assert v.decode(X[1, :n].argmax(-1)) == '\n' + SENTS[1]
    with pytest.raises(ValueError, match='one line'):
        sentence_arrays(['a\nb'], v)
    with pytest.raises(ValueError, match='longer'):
        sentence_arrays(SENTS, v, length=5)


@pytest.fixture(scope='module')
def tiny_model():
    v = sentence_vocab(SENTS)
    return keras_deep_rnn(len(v), [8, 8], len(v), 'gru', reset_after=True, seed=0), v


def test_stepper_matches_whole_sequence(tiny_model):
    model, v = tiny_model
    X, _, _ = sentence_arrays(SENTS, v)
    st = CharStepper(model); st.reset(len(X))
    steps = np.stack([st.step(X[:, t]) for t in range(X.shape[1])], 1)
    z = np.asarray(model(X), np.float64)
    whole = np.exp(z - z.max(-1, keepdims=True)); whole /= whole.sum(-1, keepdims=True)
    assert np.abs(steps - whole).max() < 1e-5


def test_sampling_is_seeded_and_threshold_near_zero_is_greedy(tiny_model):
    model, v = tiny_model
    a = sample_sentences(model, v, 4, np.random.default_rng(5), 0.9, max_chars=30)
    b = sample_sentences(model, v, 4, np.random.default_rng(5), 0.9, max_chars=30)
    assert a == b and all(set(s) <= set(v.symbols) for s in a)
    g1 = sample_sentences(model, v, 2, np.random.default_rng(1), 1e-9, beginning='re', max_chars=20)
    g2 = sample_sentences(model, v, 2, np.random.default_rng(2), 1e-9, beginning='re', max_chars=20)
    assert g1 == g2 and g1[0] == g1[1] and g1[0].startswith('re')   # only the top character is ever kept
    assert isinstance(predict_next(model, v, 'open', np.random.default_rng(0), max_chars=10), str)
    with pytest.raises(ValueError):
        sample_sentences(model, v, 1, np.random.default_rng(0), threshold=1.5)
    with pytest.raises(ValueError, match="'Z'"):
        predict_next(model, v, 'Zebra', np.random.default_rng(0))


def test_save_load_round_trip_in_fresh_process(tiny_model, tmp_path):
    model, v = tiny_model
    path = save_char_model(model, v, tmp_path/'models'/'tiny.keras')
    here = sample_sentences(model, v, 3, np.random.default_rng(11), 0.9, 'o', max_chars=120)
    loaded, v2 = load_char_model(path)
    assert v2.symbols == v.symbols
    assert sample_sentences(loaded, v2, 3, np.random.default_rng(11), 0.9, 'o', max_chars=120) == here
    assert fresh_process_samples(path, 3, 11, 0.9, 'o') == here
    with pytest.raises(ValueError, match='.keras'):
        save_char_model(model, v, tmp_path/'tiny.h5')
