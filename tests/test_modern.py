"""Tests of seqcourse.modern: the minimal GRU's loop and scans agree, the Keras layer trains in parallel and steps with a
state, the causal Transformer's cached and re-reading generation equal one pass, the memory pack, the helpers and the
exercise checkers."""
import numpy as np
import pytest

from seqcourse.exercises import check
from seqcourse.modern import (CachedDecoder, CausalTransformer, MinGRU, Rereader, activation_floats, blelloch_scan,
                              log_scan, min_gru_chrono, min_gru_lm, min_gru_parallel, min_gru_sequential,
                              modern_memory_benchmark, positive, train_speed)
from seqcourse.sampling import Stepper


def _random_problem(T=64, seed=0):
    r = np.random.default_rng(seed)
    return r.normal(size=(3, T, 5)), 0.5 * r.normal(size=(5, 16)), 0.5 * r.normal(size=16)


def test_positive_is_continuous_positive_and_matches_its_definition():
    a = np.linspace(-40, 40, 801)
    g = positive(a)
    assert np.all(g > 0) and positive(0.0) == 0.5 and positive(2.0) == 2.5
    assert np.isclose(positive(-1.0), 1 / (1 + np.e))
    assert np.all(np.diff(g) >= 0)                       # increasing, no jump at 0


@pytest.mark.parametrize('T', [1, 2, 3, 7, 64, 257])
@pytest.mark.parametrize('scan', ['log', 'blelloch'])
def test_scan_equals_the_sequential_minimal_gru(T, scan):
    x, K, b = _random_problem(T, seed=T)
    H = min_gru_sequential(x, K, b)
    assert H.shape == (3, T, 8)
    assert np.abs(np.asarray(min_gru_parallel(x, K, b, scan)) - H).max() < 1e-5       # float64 inputs: the headline check
    assert np.abs(np.asarray(min_gru_parallel(x.astype('float32'), K, b, 'blelloch')) - H).max() < 1e-5 or scan == 'log'


def test_sequential_step_by_hand():
    H = min_gru_sequential(np.array([[[0.0], [1.0]]]), np.array([[0.0, 1.0]]), np.zeros(2))
    assert np.allclose(H[0, :, 0], [0.25, 0.5 * 0.25 + 0.5 * 1.5])


def test_raw_scans_solve_a_linear_recurrence():
    r = np.random.default_rng(1)
    a, b = r.uniform(0.1, 1, (2, 37, 4)), r.uniform(0.1, 2, (2, 37, 4))
    h, want = np.zeros((2, 4)), []
    for t in range(37):
        h = a[:, t] * h + b[:, t]; want.append(h)
    want = np.stack(want, 1)
    assert np.allclose(np.asarray(blelloch_scan(a, b)), want, atol=1e-12)
    assert np.allclose(np.asarray(log_scan(np.log(a), np.log(b))), want, atol=1e-10)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match='kernel'):
        min_gru_sequential(np.zeros((1, 2, 3)), np.zeros((3, 5)), np.zeros(5))
    with pytest.raises(ValueError, match='scan'):
        min_gru_parallel(np.zeros((1, 2, 3)), np.zeros((3, 4)), np.zeros(4), scan='fft')
    with pytest.raises(ValueError, match='multiple of heads'):
        CausalTransformer(10, 8, d_model=10, heads=3)
    with pytest.raises(ValueError, match='kind'):
        activation_floats('LSTM', 10, 8)


def test_layer_matches_the_loop_and_steps_with_a_state():
    m = min_gru_lm(12, units=8, layers=2, embed_dim=4)
    codes = np.random.default_rng(2).integers(0, 12, (2, 30)).astype('int32')
    full = np.asarray(m(codes))
    layer = m.get_layer('min_gru1')
    emb = np.asarray(m.get_layer('embed')(codes), np.float64)
    import keras
    first = np.asarray(keras.Model(m.inputs, layer.output)(codes))
    assert np.abs(first - min_gru_sequential(emb, *[w.numpy() for w in layer.cell.weights])).max() < 1e-5
    probs = np.exp(full - full.max(-1, keepdims=True)); probs /= probs.sum(-1, keepdims=True)
    st = Stepper(m).reset(2)
    stepped = np.stack([st.step(codes[:, t]) for t in range(30)], 1)
    assert np.abs(stepped - probs).max() < 1e-5
    assert isinstance(layer, keras.layers.RNN) and layer.cell.state_size == 8


def test_unknown_length_falls_back_to_the_log_scan_and_initial_state_is_refused():
    import keras
    layer = MinGRU(4, return_sequences=True)
    x = keras.Input((None, 3))
    assert tuple(layer(x).shape) == (None, None, 4)
    with pytest.raises(ValueError, match='zero state'):
        layer(np.zeros((1, 2, 3), 'float32'), initial_state=[np.zeros((1, 4), 'float32')])


def test_chrono_bias_keeps_the_state():
    m = min_gru_lm(6, units=16, layers=1, embed_dim=3)
    layer = m.get_layer('min_gru1')
    bias = min_gru_chrono(layer, 100, seed=0)
    z = 1 / (1 + np.exp(-bias))
    assert bias.shape == (16,) and np.all(bias >= 0) and np.all(z >= 0.5) and np.all(z <= 98 / 99)
    assert np.allclose(layer.cell.bias.numpy()[:16], bias)
    with pytest.raises(ValueError):
        min_gru_chrono(layer, 1)


def test_cached_and_rereading_generation_equal_one_pass():
    tr = CausalTransformer(15, 32, d_model=8, heads=2, blocks=2)
    codes = np.random.default_rng(3).integers(0, 15, (2, 20)).astype('int32')
    z = np.asarray(tr(codes), np.float64)
    p = np.exp(z - z.max(-1, keepdims=True)); p /= p.sum(-1, keepdims=True)
    cached, reread = CachedDecoder(tr).reset(2), Rereader(tr).reset(2)
    assert np.abs(np.stack([cached.step(codes[:, t]) for t in range(20)], 1) - p).max() < 1e-5
    assert np.abs(np.stack([reread.step(codes[:, t]) for t in range(20)], 1) - p).max() < 1e-5
    assert cached.cache_floats() == 2 * 2 * 20 * 8
    cached.reset(1)
    for _ in range(32): cached.step([0])
    with pytest.raises(ValueError, match='positions'):
        cached.step([0])


def test_transformer_is_causal():
    tr = CausalTransformer(9, 16, d_model=8, heads=2, blocks=1)
    a = np.random.default_rng(4).integers(0, 9, (1, 12)).astype('int32')
    b = a.copy(); b[0, 8:] = (b[0, 8:] + 1) % 9            # change the future only
    assert np.allclose(np.asarray(tr(a))[0, :8], np.asarray(tr(b))[0, :8], atol=1e-6)
    assert not np.allclose(np.asarray(tr(a))[0, 8:], np.asarray(tr(b))[0, 8:])


def test_activation_floats_grow_only_for_attention():
    assert activation_floats('GRU', 100, 8) == activation_floats('GRU', 1600, 8) == 32
    assert activation_floats('minGRU', 100, 8, layers=2) == 80
    assert activation_floats('Transformer', 1600, 8, 1, 2) - activation_floats('Transformer', 100, 8, 1, 2) == 2 * 1500


def test_train_speed_counts_characters():
    import keras
    m = min_gru_lm(7, units=4, layers=1, embed_dim=2)
    m.compile(optimizer='adam', loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert train_speed(m, 10, chars=40, steps=1) > 0
    with pytest.raises(ValueError, match='seq_len'):
        train_speed(m, 50, chars=40)


def test_memory_benchmark_points_have_the_rnn_chapters_form():
    pts = modern_memory_benchmark(['minGRU-chrono', 'Transformer'], [2], steps=2, batch=8, seeds=[0], n_test=16, units=4)
    assert [p['label'] for p in pts] == ['minGRU-chrono', 'Transformer']
    assert all(p['T'] == 2 and 0 <= p['accuracy'] <= 1 and p['steps'] == 2 for p in pts)
    with pytest.raises(ValueError, match='label'):
        modern_memory_benchmark(['LSTM'], [2], steps=1, batch=2, seeds=[0], n_test=2)


def test_exercise_checkers_accept_solutions_and_hint_at_slips(capsys):
    sig = lambda a: 1 / (1 + np.exp(-a))
    step = lambda x, h, Wz, bz, Wh, bh: sig(x @ Wz + bz) * h + (1 - sig(x @ Wz + bz)) * positive(x @ Wh + bh)
    swapped = lambda x, h, Wz, bz, Wh, bh: (1 - sig(x @ Wz + bz)) * h + sig(x @ Wz + bz) * positive(x @ Wh + bh)
    assert check('modern-1', step) and not check('modern-1', swapped)
    assert 'swapped' in capsys.readouterr().out

    def doubling(x):
        s, k, n = np.asarray(x, float).copy(), 1, 0
        while k < len(s): s[k:] = s[k:] + s[:-k].copy(); k, n = 2 * k, n + 1
        return s, n
    assert check('modern-2', doubling)
    assert not check('modern-2', lambda x: (np.cumsum(x), len(x) - 1 if len(x) > 2 else 99))
    assert not check('modern-2', lambda x: (np.concatenate([[0], np.cumsum(x)[:-1]]), 0))
    assert 'exclusive' in capsys.readouterr().out
    assert check('modern-3', lambda T: np.tril(np.ones((T, T))))
    assert not check('modern-3', lambda T: np.triu(np.ones((T, T), bool)))
    assert 'transposed' in capsys.readouterr().out
    assert not check('modern-3', lambda T: np.tril(np.ones((T, T), bool), -1))
    assert 'diagonal' in capsys.readouterr().out
