"Unit tests of seqcourse.lstm: ScratchLSTM against Keras, the phrase data, the gates lab, the forget bias and the exercises."
import numpy as np
import pytest
import keras
from seqcourse.lstm import (ScratchLSTM, split_gates, phrase_vocab, phrase_windows, gate_traces, set_forget_bias,
                            exercise_lstm, LSTM_GATES)
from seqcourse.data import load_text, data_card, Vocab
from seqcourse.models import param_count, many_to_one
from seqcourse.rnn import ScratchCell, keras_agreement
from seqcourse.sampling import generate
from seqcourse.exercises import check
from seqcourse.core import set_seed


def _layer(units, features, seed=0, **kw):
    "A built Keras LSTM with random (non-default) biases, so every block of the bias matters."
    layer = keras.layers.LSTM(units, return_sequences=True, return_state=True,
                              bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=seed), **kw)
    layer.build((None, None, features))
    return layer


@pytest.mark.parametrize('batch,time,features,units', [(1, 1, 1, 1), (1, 1, 4, 3), (3, 1, 2, 6), (1, 12, 3, 4),
                                                       (4, 8, 5, 7), (2, 30, 6, 16)])
def test_scratch_lstm_matches_keras_across_shapes(batch, time, features, units):
    assert keras_agreement(ScratchLSTM, batch=batch, time=time, features=features, units=units, seed=batch + time) < 1e-5


def test_scratch_lstm_is_a_scratch_cell_with_a_pair_state():
    s = ScratchLSTM.from_keras(_layer(5, 3))
    assert isinstance(s, ScratchCell) and s.blocks == 4 and (s.features, s.units) == (3, 5)
    h0, c0 = s.initial_state(2)
    assert h0.shape == c0.shape == (2, 5) and not h0.any() and not c0.any()


def test_outputs_shapes_and_initial_states_match_keras():
    layer = _layer(5, 3, seed=1)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6, 3)).astype('float32')
    h0, c0 = rng.normal(size=(4, 5)).astype('float32'), rng.normal(size=(4, 5)).astype('float32')
    seq, h_k, c_k = (np.asarray(a) for a in layer(x, initial_state=[h0, c0]))
    H, (h, c) = ScratchLSTM.from_keras(layer)(x, initial_state=(h0, c0))
    assert H.shape == (4, 6, 5) and h.shape == c.shape == (4, 5)
    assert np.abs(H - seq).max() < 1e-5 and np.abs(h - h_k).max() < 1e-5 and np.abs(c - c_k).max() < 1e-5
    assert np.array_equal(H[:, -1], h)


def test_gates_are_returned_per_step_and_consistent():
    layer = _layer(4, 2, seed=2)
    x = np.random.default_rng(2).normal(size=(3, 5, 2))
    H, (h, c), g = ScratchLSTM.from_keras(layer)(x, return_gates=True)
    assert set(g) == set(LSTM_GATES) | {'c'}
    assert all(g[k].shape == (3, 5, 4) for k in g)
    for k in ('i', 'f', 'o'): assert g[k].min() > 0 and g[k].max() < 1
    assert np.abs(g['g']).max() < 1
    assert np.allclose(g['c'][:, -1], c)
    # the recurrence itself: C_t = f C_{t-1} + i g and h_t = o tanh(C_t)
    assert np.allclose(g['c'][:, 1], g['f'][:, 1] * g['c'][:, 0] + g['i'][:, 1] * g['g'][:, 1])
    assert np.allclose(H, g['o'] * np.tanh(g['c']))


def test_split_gates_follows_keras_order():
    layer = _layer(3, 2, seed=3)
    K, R, b = layer.cell.get_weights()
    blocks = split_gates(K, R, b)
    assert list(blocks) == ['i', 'f', 'g', 'o']
    assert np.array_equal(np.concatenate([blocks[k][0] for k in LSTM_GATES], 1), K)
    assert np.array_equal(np.concatenate([blocks[k][1] for k in LSTM_GATES], 1), R)
    # Keras initialises the forget bias to 1 (unit_forget_bias); block 1 must be the forget gate
    fresh = keras.layers.LSTM(3); fresh.build((None, None, 2))
    assert np.allclose(split_gates(*fresh.cell.get_weights())['f'][2], 1)
    with pytest.raises(ValueError, match=r'\(features, 4\*units\)'): split_gates(np.zeros((2, 6)), np.zeros((1, 6)))
    with pytest.raises(ValueError, match='recurrent_kernel'): split_gates(np.zeros((2, 8)), np.zeros((3, 8)))
    with pytest.raises(ValueError, match='bias'): split_gates(np.zeros((2, 8)), np.zeros((2, 8)), np.zeros(7))


def test_wrong_inputs_get_clear_errors():
    s = ScratchLSTM.from_keras(_layer(3, 4))
    with pytest.raises(ValueError, match=r'features=4.*\(2, 4\).*x\[None\]'): s(np.zeros((2, 4)))
    with pytest.raises(ValueError, match='features=4.*5 features'): s(np.zeros((1, 2, 5)))
    with pytest.raises(ValueError, match='at least one'): s(np.zeros((1, 0, 4)))
    with pytest.raises(ValueError, match=r'tuple of 2 arrays'): s(np.zeros((1, 2, 4)), initial_state=np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r'\(1, 3\); got \(2, 3\)'): s(np.zeros((1, 2, 4)), initial_state=(np.zeros((2, 3)), np.zeros((1, 3))))
    with pytest.raises(ValueError, match='no weights yet'): ScratchLSTM.from_keras(keras.layers.LSTM(3))
    with pytest.raises(TypeError, match='GRU'): ScratchLSTM.from_keras(keras.layers.GRU(3))
    relu = keras.layers.LSTM(3, activation='relu'); relu.build((None, None, 2))
    with pytest.raises(ValueError, match='relu'): ScratchLSTM.from_keras(relu)


@pytest.mark.parametrize('m,n', [(1, 1), (3, 5), (28, 32), (40, 128), (7, 300)])
def test_param_count_formula_matches_keras(m, n):
    layer = keras.layers.LSTM(n); layer.build((None, None, m))
    assert param_count('LSTM', m, n) == layer.count_params() == 4 * n * (m + n + 1)
    assert ScratchLSTM.from_keras(layer).count_params() == param_count('LSTM', m, n)


def test_phrases_dataset_and_card():
    lines = load_text('phrases').splitlines()
    assert len(lines) >= 300 and len(set(lines)) == len(lines)
    assert all(l and set(l) <= set('abcdefghijklmnopqrstuvwxyz ') and l == l.strip() and '  ' not in l for l in lines)
    card = data_card('phrases')
    assert 'CC0' in card and f'{len(lines)} ' in card


def test_phrase_windows_cover_every_character_and_the_end():
    v = phrase_vocab(['a cup of tea', 'good night'])
    X, y = phrase_windows(['a cup of tea', 'good night'], v, 14)
    assert X.shape == (13 + 11, 14) and y.shape == (24,)
    assert v.decode(X[0]) == '\n' * 14 and v[y[0]] == 'a'
    assert v.decode(y[:13]) == 'a cup of tea\n'
    assert v.decode(X[12]) == '\n\na cup of tea'
    with pytest.raises(ValueError, match='newline'): phrase_windows(['two\nlines'], v)
    with pytest.raises(ValueError, match='length must be an integer >= 1, got 0'): phrase_windows(['a'], v, 0)
    with pytest.raises(ValueError, match='length must be an integer'): phrase_windows(['a'], v, True)


def test_the_chapters_completion_call_continues_prompts_up_to_the_end_of_line():
    "The chapter completes prompts with sampling.generate: newline-padded prompts, window=length, stop='\\n', greedy."
    v = Vocab(list('\nabcdefgh'))
    def next_letter(windows):
        "Probabilities (B, V): the letter after the last one read, and the end of line after 'd' (or a newline)."
        last = [v[int(w[-1])] for w in windows]
        return np.eye(len(v))[[v.encode('\n' if ch in 'd\n' else chr(ord(ch) + 1))[0] for ch in last]]
    def padded(prompts): return ['\n' * 3 + p for p in prompts]
    assert generate(next_letter, v, padded(['a', 'ab', 'c']), 30, window=3, stop='\n') == ['bcd', 'cd', 'd']
    assert generate(next_letter, v, padded(['e']), 2, window=3, stop='\n') == ['fg']
    with pytest.raises(ValueError, match='not in the vocabulary'): generate(next_letter, v, padded(['xyz']), 5, window=3, stop='\n')


def test_gate_traces_on_a_layer():
    v = Vocab(list('\n abc'))
    layer = keras.layers.LSTM(6); layer.build((None, None, len(v)))
    tr = gate_traces(layer, v, '\nab ca')
    assert set(tr) == {'i', 'f', 'g', 'o', 'c', 'h'} and all(a.shape == (6, 6) for a in tr.values())
    other = keras.layers.LSTM(6); other.build((None, None, 3))
    with pytest.raises(ValueError, match='3 features.*5 symbols'): gate_traces(other, v, 'ab')
    with pytest.raises(ValueError, match='non-empty'): gate_traces(layer, v, '')


def test_exercise_checkers_accept_solutions_and_reject_common_mistakes(capsys):
    e = exercise_lstm(); n = 4
    z = e['x'] @ e['kernel'] + e['h'] @ e['recurrent_kernel'] + e['bias']
    sig = lambda v: 1 / (1 + np.exp(-v))
    assert check('lstm-1', sig(z[:, n:2*n]))
    assert not check('lstm-1', sig(z[:, :n])) and 'block order' in capsys.readouterr().out
    assert not check('lstm-1', np.tanh(z[:, n:2*n])) and 'sigmoid' in capsys.readouterr().out

    def step(x, h, c, K, R, b):
        m = h.shape[1]; q = x @ K + h @ R + b
        i, f, g, o = sig(q[:, :m]), sig(q[:, m:2*m]), np.tanh(q[:, 2*m:3*m]), sig(q[:, 3*m:])
        c2 = f * c + i * g
        return o * np.tanh(c2), c2
    assert check('lstm-2', step)
    assert not check('lstm-2', lambda *a: step(*a)[::-1]) and 'swapped' in capsys.readouterr().out
    assert not check('lstm-2', np.zeros(3))

    good = np.concatenate([np.full(n, -12.), np.full(n, 12.), np.zeros(n), np.full(n, 12.)])
    assert check('lstm-3', good)
    assert not check('lstm-3', np.zeros(4 * n)) and 'forget gate' in capsys.readouterr().out
    hidden = good.copy(); hidden[3*n:] = -12
    assert not check('lstm-3', hidden) and 'output gate' in capsys.readouterr().out
    assert not check('lstm-3', np.zeros(3 * n)) and '16' in capsys.readouterr().out


def test_set_forget_bias_sets_block_1_of_every_lstm_layer():
    set_seed(0)
    model = many_to_one(5, cell='LSTM', units=[4, 3])
    before = [model.get_layer(n).cell.get_weights() for n in ('rnn1', 'rnn2')]
    assert set_forget_bias(model, 2.5) is model
    for name, (K0, R0, b0) in zip(('rnn1', 'rnn2'), before):
        K, R, b = model.get_layer(name).cell.get_weights()
        n = R.shape[0]
        assert np.array_equal(K, K0) and np.array_equal(R, R0)
        assert np.allclose(b[n:2*n], 2.5) and np.array_equal(b[:n], b0[:n]) and np.array_equal(b[2*n:], b0[2*n:])
    with pytest.raises(ValueError, match='forget_bias must be a finite number'): set_forget_bias(model, float('nan'))
    with pytest.raises(ValueError, match='no LSTM layer'): set_forget_bias(many_to_one(5, cell='GRU', units=2), 1.0)


def test_bad_inputs_are_refused():
    from seqcourse.lstm import exercise_lstm
    with pytest.raises(ValueError, match='empty'): phrase_vocab([])
    with pytest.raises(ValueError, match='-1'): exercise_lstm(seed=-1)
