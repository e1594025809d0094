"""Tests of seqcourse.gru: ScratchGRU against keras.layers.GRU in both forms, the deep from-scratch model against
Keras stacks and against the scratch cells level by level, training both the same way, the sentence arrays, and the
save/load round trip in a fresh process."""
import keras
import numpy as np
import pytest

from seqcourse.core import set_seed
from seqcourse.gru import (DeepRNN, DeepWeights, MaskedScores, ScratchGRU, article_weights, epoch_orders, saved_model_samples,
                           gate_block, masked_scores, run_level, sentence_arrays, sentence_vocab)
from seqcourse.lstm import ScratchLSTM
from seqcourse.models import load_model, many_to_many, param_count, save_model
from seqcourse.rnn import keras_agreement
from seqcourse.sampling import generate
from seqcourse.training import EpochLog, OrderedBatches, fit

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


@pytest.mark.parametrize('reset_after', [True, False])
def test_keras_agreement_both_forms(reset_after):
    assert keras_agreement(ScratchGRU, reset_after=reset_after) < 1e-5
    assert keras_agreement(ScratchGRU, batch=1, time=1, features=1, units=1, seed=3, reset_after=reset_after) < 1e-5


def test_scratch_gru_options_and_counts():
    for ra in (True, False):
        layer = _keras_gru(4, 3, ra, seed=0)
        g = ScratchGRU.from_keras(layer)
        assert g.reset_after is ra and g.bias.shape == ((2, 12) if ra else (12,))
        assert g.count_params() == layer.count_params() == param_count('GRU', 3, 4, reset_after=ra)
    assert ScratchGRU(np.zeros((2, 9)), np.zeros((3, 9))).bias.shape == (2, 9)   # no bias given: zeros, default form


def test_scratch_gru_initial_state_and_gates():
    layer = _keras_gru(4, 3, True, seed=1)
    x = np.random.default_rng(1).normal(size=(2, 6, 3)).astype('float32')
    h0 = np.random.default_rng(2).uniform(-1, 1, size=(2, 4)).astype('float32')
    seq, _ = layer(x, initial_state=h0)
    ours, _, gates = ScratchGRU.from_keras(layer)(x, initial_state=h0, return_gates=True)
    assert np.abs(ours - np.asarray(seq)).max() < 1e-5
    assert set(gates) == {'z', 'r', 'candidate'} and gates['z'].shape == (2, 6, 4)
    assert (gates['z'] > 0).all() and (gates['z'] < 1).all()


def test_the_two_forms_differ():
    layer = _keras_gru(6, 3, True, seed=3)
    g = ScratchGRU.from_keras(layer)
    other = ScratchGRU(g.kernel, g.recurrent_kernel, g.bias.sum(0), reset_after=False)
    x = np.random.default_rng(3).normal(size=(2, 10, 3))
    assert np.abs(g(x)[0] - other(x)[0]).max() > 1e-3


def test_scratch_gru_errors():
    with pytest.raises(ValueError, match='no weights yet'):
        ScratchGRU.from_keras(keras.layers.GRU(3))
    with pytest.raises(TypeError, match='GRU'):
        ScratchGRU.from_keras(keras.layers.LSTM(3))
    g = ScratchGRU.from_keras(_keras_gru(3, 4, True, seed=0))
    with pytest.raises(ValueError, match='features=4'):
        g(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match='features=4'):
        g(np.zeros((5, 4)))
    with pytest.raises(ValueError, match='bias must have shape'):
        ScratchGRU(np.zeros((2, 9)), np.zeros((3, 9)), np.zeros(9), reset_after=True)
    with pytest.raises(ValueError, match='reset_after'):
        ScratchGRU(np.zeros((2, 9)), np.zeros((3, 9)), reset_after='yes')


def _stack(cell, n_in=6, widths=(5, 4), n_out=7, seed=2):
    "A Keras stack of logits, in the form DeepRNN computes (the textbook GRU)."
    set_seed(seed)
    kw = {'reset_after': False} if cell == 'GRU' else {}
    return many_to_many(n_in, cell=cell, units=list(widths), outputs=n_out, output_activation=None, **kw)


@pytest.mark.parametrize('cell', ['GRU', 'LSTM', 'gru', 'lstm'])
def test_deep_rnn_matches_keras_stack(cell):
    km = _stack(cell.upper())
    dm = DeepRNN(6, [5, 4], 7, cell).copy_from_keras(km)
    x = np.random.default_rng(0).normal(size=(3, 7, 6)).astype('float32')
    assert dm.cell == cell.upper() and dm.count_params() == km.count_params()
    assert np.abs(np.asarray(km(x)) - dm(x).numpy()).max() < 1e-5


@pytest.mark.parametrize('cell', ['GRU', 'LSTM'])
def test_deep_rnn_agrees_with_scratch_cells(cell):
    "Level by level, DeepRNN (the seed's per-gate notation) computes what the NumPy cells compute from Keras's layout."
    km = _stack(cell, seed=5)
    dm = DeepRNN(6, [5, 4], 7, cell).copy_from_keras(km)
    x = np.random.default_rng(5).normal(size=(3, 9, 6)).astype('float32')
    logits, levels = dm(x, return_levels=True)
    h = x
    for name, ours in zip(('rnn1', 'rnn2'), levels):
        layer = km.get_layer(name)
        scratch = ScratchGRU.from_keras(layer) if cell == 'GRU' else ScratchLSTM.from_keras(layer)
        assert getattr(scratch, 'reset_after', False) is False
        h = scratch(h)[0]
        assert np.abs(ours.numpy() - h).max() < 1e-5
    W, b = km.get_layer('output').get_weights()
    assert np.abs(logits.numpy() - (h @ W + b)).max() < 1e-5


def test_article_weights_flip_the_update_gate():
    "The article's update gate is 1 - z: its weights and bias are Keras' z block negated; r and the candidate are copied."
    layer = _stack('GRU', n_in=3, widths=(4,), n_out=2, seed=7).get_layer('rnn1')
    W, U, b = layer.get_weights()
    w = article_weights(layer, 'GRU', 4)
    assert np.array_equal(w['wu'][0], -gate_block(W, U, 0)) and np.array_equal(w['wu'][1], -b[:4])
    assert np.array_equal(w['wr'][0], gate_block(W, U, 1)) and np.array_equal(w['wa'][1], b[8:])
    assert w['wu'][0].shape == (4 + 3, 4)
    with pytest.raises(ValueError, match='is a GRU'):
        article_weights(layer, 'LSTM', 4)


def test_run_level_is_one_level_of_deep_rnn():
    km = _stack('GRU', seed=8)
    dm = DeepRNN(6, [5, 4], 7).copy_from_keras(km)
    x = np.random.default_rng(8).normal(size=(2, 5, 6)).astype('float32')
    _, levels = dm(x, return_levels=True)
    assert np.abs(run_level(dm.levels[0], 5, x).numpy() - levels[0].numpy()).max() < 1e-6
    assert isinstance(dm, DeepWeights) and dm.count_params() == km.count_params()


def test_deep_rnn_errors():
    with pytest.raises(ValueError, match="'GRU', 'LSTM'"):
        DeepRNN(3, [4], 3, cell='SimpleRNN')
    with pytest.raises(ValueError, match='cell must be one of'):
        DeepRNN(3, [4], 3, cell='rnn')
    with pytest.raises(ValueError, match='widths'):
        DeepRNN(3, [4, 0], 3)
    with pytest.raises(ValueError, match='widths'):
        DeepRNN(3, [], 3)
    with pytest.raises(ValueError, match='n_in'):
        DeepRNN(True, [4], 3)
    set_seed(0)
    with pytest.raises(ValueError, match='reset_after=False'):
        DeepRNN(3, [4], 3).copy_from_keras(many_to_many(3, cell='GRU', units=[4], output_activation=None))
    with pytest.raises(ValueError, match='LSTM'):
        DeepRNN(3, [4], 3, 'GRU').copy_from_keras(many_to_many(3, cell='LSTM', units=[4], output_activation=None))
    with pytest.raises(ValueError, match='recurrent layers'):
        DeepRNN(3, [4, 4], 3).copy_from_keras(_stack('GRU', 3, [4], 3))


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


def test_scratch_and_keras_train_alike_and_log_the_same_scores():
    "Same weights, same OrderedBatches: `fit` on DeepRNN and Keras' model.fit give the same scored history."
    sents = SENTS * 6 + ['sum it.', 'open the file now.']
    v = sentence_vocab(sents)
    train, val = sentence_arrays(sents, v), sentence_arrays(SENTS, v, length=len(max(sents, key=len)) + 1)
    orders = epoch_orders(len(sents), 2, seed=1)
    km = _stack('GRU', len(v), [6], len(v), seed=1)
    dm = DeepRNN(len(v), [6], len(v), 'gru').copy_from_keras(km)
    scores = MaskedScores(train, val, n_train=8)
    h_dm = fit(dm, OrderedBatches(train, 8, orders), optimizer=keras.optimizers.Adam(1e-2),
               callbacks=[EpochLog(), scores]).history
    km.compile(optimizer=keras.optimizers.Adam(1e-2), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    b = OrderedBatches(train, 8, orders)
    h_km = km.fit(b, epochs=b.epochs, steps_per_epoch=b.steps_per_epoch, shuffle=False,
                  callbacks=[EpochLog(), MaskedScores(train, val, n_train=8)], verbose=0).history
    assert set(h_dm) == set(h_km) >= {'loss', 'acc', 'val_loss', 'val_acc', 'seconds'}
    for k in ('loss', 'acc', 'val_loss', 'val_acc'):
        assert len(h_dm[k]) == 2 and np.allclose(h_dm[k], h_km[k], atol=1e-4), k
    X, Y, M = (a[:8] for a in train)
    assert np.isclose(h_dm['loss'][-1], masked_scores(dm(X).numpy(), Y, M)[0], atol=1e-6)


@pytest.fixture(scope='module')
def tiny_model():
    v = sentence_vocab(SENTS)
    set_seed(0)
    return many_to_many(len(v), cell='GRU', units=[8, 8], output_activation=None), v


def test_save_load_round_trip_in_fresh_process(tiny_model, tmp_path):
    model, v = tiny_model
    path = save_model(model, tmp_path/'models'/'tiny.keras', v)
    sample = lambda m, voc: ['o' + s for s in generate(m, voc, ['\no'] * 3, 120, top_p=0.9,
                                                        rng=np.random.default_rng(11), stop='\n')]
    here = sample(model, v)
    loaded, v2 = load_model(path)
    assert v2.symbols == v.symbols
    assert sample(loaded, v2) == here
    assert saved_model_samples(path, 3, 11, 0.9, 'o') == here
    assert saved_model_samples(path, 3, 11, 0.9, 'o', fresh_process=True) == here
    with pytest.raises(ValueError, match='n'): saved_model_samples(path, 0)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match='empty'): sentence_vocab([])
    with pytest.raises(ValueError, match='-1'): epoch_orders(5, 1, seed=-1)
    with pytest.raises(ValueError, match=r'targets \(2, 4\)'): masked_scores(np.zeros((2, 3, 5)), np.zeros((2, 4), int), np.ones((2, 3)))
    with pytest.raises(ValueError, match='no real position'): masked_scores(np.zeros((2, 3, 5)), np.zeros((2, 3), int), np.zeros((2, 3)))
