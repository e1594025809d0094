"Unit tests of seqcourse.rnn: ScratchCell/ScratchRNN against Keras, BPTT against GradientTape, gradient norms, clipping, the memory task."
import numpy as np
import pytest
from seqcourse.exercises import check
from seqcourse.models import CELLS
from seqcourse.rnn import (ScratchCell, ScratchRNN, keras_agreement, bptt, rnn_loss_and_grads, bptt_check, scaled_recurrent,
                           gradient_norms, clip_by_global_norm, memory_task, memory_model, memory_settings,
                           memory_label, chrono_init, memory_pack, memory_benchmark, longest_gap_solved, memory_points_from,
                           init_gradient_norms, MEMORY_LABELS,
                           alphabet_model, next_symbol)

keras = pytest.importorskip('keras')


# ---- ScratchRNN against Keras ------------------------------------------------------------------------------
@pytest.mark.parametrize('batch,time,features,units', [(1, 1, 1, 1), (1, 1, 3, 4), (1, 9, 2, 5), (5, 1, 4, 3), (3, 17, 6, 8)])
@pytest.mark.parametrize('activation', ['tanh', 'relu', 'linear'])
def test_scratch_matches_keras(batch, time, features, units, activation):
    assert keras_agreement(ScratchRNN, batch=batch, time=time, features=features, units=units, seed=3, activation=activation) < 1e-5


def test_keras_agreement_defaults_and_no_bias():
    assert keras_agreement(ScratchRNN) < 1e-5
    assert keras_agreement(ScratchRNN, keras.layers.SimpleRNN, seed=1, use_bias=False) < 1e-5
    with pytest.raises(ValueError, match='units'):
        keras_agreement(ScratchRNN, units=0)


def test_returns_all_states_and_last_state():
    layer = keras.layers.SimpleRNN(4, return_sequences=True)
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype('float32')
    H_k = np.array(layer(x))
    H, h = ScratchRNN.from_keras(layer)(x)
    assert H.shape == (2, 5, 4) and h.shape == (2, 4)
    assert np.array_equal(h, H[:, -1]) and np.abs(H - H_k).max() < 1e-5


def test_from_keras_copies_rather_than_aliases():
    layer = keras.layers.SimpleRNN(3)
    layer(np.zeros((1, 2, 2), 'float32'))
    r = ScratchRNN.from_keras(layer)
    r.W_hh[:] = 0
    assert np.abs(np.array(layer.cell.recurrent_kernel)).max() > 0
    assert r.W_hh is r.recurrent_kernel and r.W_xh is r.kernel and r.b is r.bias
    assert r.count_params() == layer.count_params() == 2 * 3 + 3 * 3 + 3


def test_call_state_gates_and_repr():
    rng = np.random.default_rng(1)
    r = ScratchRNN(rng.normal(size=(2, 3)), rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3), activation='relu')
    x, h0 = rng.normal(size=(4, 5, 2)), rng.normal(size=(4, 3))
    H, h, gates = r(x, h0, return_gates=True)
    assert H.shape == (4, 5, 3) and np.array_equal(h, H[:, -1]) and gates == {}
    assert np.allclose(H[:, 0], np.maximum(x[:, 0] @ r.W_xh + h0 @ r.W_hh + r.b, 0))
    assert np.array_equal(r(x, initial_state=h0)[0], H) and not np.array_equal(r(x)[0], H)
    assert repr(r) == "ScratchRNN(features=2, units=3, activation='relu')" and r.features == 2 and r.units == 3
    with pytest.raises(ValueError, match=r'initial_state must have shape \(batch, units\) = \(4, 3\)'):
        r(x, np.zeros((3, 3)))
    with pytest.raises(NotImplementedError, match='step'):
        ScratchCell(np.zeros((2, 3)), np.zeros((3, 3)))(x)


def test_wrong_shapes_give_clear_errors():
    r = ScratchRNN(np.zeros((3, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r'\(batch, time, features=3\).*2-D.*x\[None\]'):
        r(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r'features=3.*\(2, 4, 5\).*5 features'):
        r(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r'recurrent_kernel must have shape \(2, 2\)'):
        ScratchRNN(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r'bias must have shape \(2,\)'):
        ScratchRNN(np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="activation must be one of .*'softplus'"):
        ScratchRNN(np.zeros((3, 2)), np.zeros((2, 2)), activation='softplus')


def _built(layer, features=2):
    layer(np.zeros((1, 3, features), 'float32'))
    return layer


def test_from_keras_refuses_what_it_cannot_reproduce():
    with pytest.raises(TypeError, match='expects a keras.layers.SimpleRNN .*got Dense'):
        ScratchRNN.from_keras(keras.layers.Dense(3))
    with pytest.raises(TypeError, match='got LSTM'):
        ScratchRNN.from_keras(_built(keras.layers.LSTM(3)))
    with pytest.raises(ValueError, match='no weights yet'):
        ScratchRNN.from_keras(keras.layers.SimpleRNN(3))
    with pytest.raises(ValueError, match='go_backwards=True'):
        ScratchRNN.from_keras(_built(keras.layers.SimpleRNN(3, go_backwards=True)))
    with pytest.raises(ValueError, match="activation='sigmoid'"):
        ScratchRNN.from_keras(_built(keras.layers.SimpleRNN(3, activation='sigmoid')))
    cell = keras.layers.SimpleRNNCell(3, activation='relu')
    cell.build((None, 2))
    assert ScratchRNN.from_keras(cell).activation == 'relu'          # a cell is accepted too


def test_base_class_covers_gated_layouts():
    "A subclass needs only blocks, keras_layer, its step (and options/_bias_shape): a GRU-like layout with two bias rows."
    class Twice(ScratchCell):
        keras_layer, blocks, options = keras.layers.GRU, 3, {'reset_after': (True, False)}
        def _bias_shape(self, units): return (2, 3 * units) if self.reset_after else (3 * units,)
        def step(self, x_t, state): return state, state, {'z': state}
    t = Twice.from_keras(_built(keras.layers.GRU(4, reset_after=False)))
    assert t.reset_after is False and t.bias.shape == (12,) and t.units == 4 and t.features == 2
    assert Twice.from_keras(_built(keras.layers.GRU(4))).bias.shape == (2, 12)
    with pytest.raises(ValueError, match=r'bias must have shape \(2, 12\) for 4 units, with reset_after=True'):
        Twice(np.zeros((2, 12)), np.zeros((4, 12)), np.zeros(12))
    with pytest.raises(ValueError, match=r'kernel must have shape \(features, 3\*units\)'):
        Twice(np.zeros((2, 4)), np.zeros((4, 12)))
    with pytest.raises(TypeError, match='no option'):
        Twice(np.zeros((2, 12)), np.zeros((4, 12)), colour='red')
    H, s, g = t(np.zeros((2, 5, 2)), return_gates=True)
    assert H.shape == (2, 5, 4) and g['z'].shape == (2, 5, 4)
    with pytest.raises(ValueError, match="recurrent_activation='relu'"):
        Twice.from_keras(_built(keras.layers.GRU(4, recurrent_activation='relu')))


# ---- BPTT ---------------------------------------------------------------------------------------------------
def test_bptt_matches_gradient_tape():
    errs = bptt_check(batch=2, time=9, features=3, units=5, classes=4, seed=1)
    assert set(errs) == {'W_xh', 'W_hh', 'b', 'W_hy', 'b_y', 'loss'}
    assert max(errs.values()) < 1e-5
    assert max(bptt_check(batch=1, time=1, features=2, units=3, classes=2, dtype='float64', seed=2).values()) < 1e-10


def test_backward_method_matches_gradient_tape():
    tf = pytest.importorskip('tensorflow')
    rng = np.random.default_rng(7)
    layer = keras.layers.SimpleRNN(4, return_sequences=True, dtype='float64',
                                   bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=7))
    x, v, h0 = rng.normal(size=(3, 6, 2)), rng.normal(size=(3, 6, 4)), rng.normal(size=(3, 4))
    x_t, h0_t = tf.constant(x), tf.constant(h0)
    layer(x_t)
    with tf.GradientTape() as tape:
        tape.watch([x_t, h0_t])
        loss = tf.reduce_sum(layer(x_t, initial_state=[h0_t]) * v)
    c = layer.cell
    want = dict(zip(['W_xh', 'W_hh', 'b', 'x', 'h0'], tape.gradient(loss, [c.kernel, c.recurrent_kernel, c.bias, x_t, h0_t])))
    got = ScratchRNN.from_keras(layer).backward(x, v, initial_state=h0)
    for k, w in want.items(): assert np.abs(got[k] - np.asarray(w)).max() < 1e-10, k
    r = ScratchRNN.from_keras(layer)
    assert all(np.array_equal(got[k], bptt(r, x, v, h0)[k]) for k in got)   # one algorithm: the method calls bptt


def test_bptt_matches_finite_differences_for_relu_and_h0():
    rng = np.random.default_rng(4)
    r = ScratchRNN(rng.normal(size=(2, 3)), rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3), 'relu')
    x, h0 = rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 3))
    v = rng.normal(size=(2, 4, 3))
    def L(): return float((r(x, h0)[0] * v).sum())
    g, eps = bptt(r, x, v, h0), 1e-6
    for name in ('W_hh', 'b'):
        W = getattr(r, name); num = np.zeros_like(W)
        for i in np.ndindex(W.shape):
            old = W[i]; W[i] = old + eps; up = L(); W[i] = old - eps; dn = L(); W[i] = old
            num[i] = (up - dn) / (2 * eps)
        assert np.abs(num - g[name]).max() < 1e-6


def test_loss_and_grads_validate_targets():
    r = ScratchRNN(np.zeros((3, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r'\(batch, time\) = \(1, 4\)'):
        rnn_loss_and_grads(r, np.zeros((2, 5)), np.zeros(5), np.zeros((1, 4, 3)), np.zeros((1, 3), int))


# ---- gradient norms and clipping -----------------------------------------------------------------------------
def test_linear_gradient_norms_follow_the_spectral_radius():
    for rho in (0.5, 1.5):
        n = gradient_norms(rho, T=30, units=32, activation='linear', seed=0)
        assert n[0] == pytest.approx(1.0)
        rate = (n[-1] / n[10]) ** (1 / (len(n) - 11))  # geometric rate, away from the start
        assert rate == pytest.approx(rho, rel=0.15)
    assert np.abs(np.linalg.eigvals(scaled_recurrent(8, 0.7, seed=3))).max() == pytest.approx(0.7)


def test_tanh_shrinks_gradients_at_radius_one():
    lin, th = gradient_norms(1.0, T=40, activation='linear'), gradient_norms(1.0, T=40, activation='tanh')
    assert th[-1] < lin[-1] and th[-1] < 0.1


def test_clip_by_global_norm_matches_tensorflow():
    tf = pytest.importorskip('tensorflow')
    rng = np.random.default_rng(0)
    gs = [rng.normal(size=(3, 2)) * 4, rng.normal(size=5)]
    ours, n = clip_by_global_norm(gs, 2.0)
    theirs, n_tf = tf.clip_by_global_norm([tf.constant(g) for g in gs], 2.0)
    assert n == pytest.approx(float(n_tf))
    assert all(np.allclose(a, np.array(b)) for a, b in zip(ours, theirs))
    small, _ = clip_by_global_norm([np.ones(2) * 0.1], 5.0)
    assert np.allclose(small[0], 0.1)  # below the threshold nothing changes
    with pytest.raises(ValueError, match='max_norm'):
        clip_by_global_norm(gs, 0)


# ---- the memory task ----------------------------------------------------------------------------------------
def test_memory_task_layout():
    X, y = memory_task(50, 7, n_classes=3, n_distractors=5, seed=2)
    assert X.shape == (50, 8) and y.shape == (50,)
    assert (X[:, 0] == y).all() and set(np.unique(y)) <= {0, 1, 2}
    assert X[:, 1:].min() >= 3 and X[:, 1:].max() <= 7
    assert (memory_task(50, 7, 3, 5, seed=2)[0] == X).all() and not (memory_task(50, 7, 3, 5, seed=3)[0] == X).all()
    with pytest.raises(ValueError, match='T must be'):
        memory_task(5, -1)
    with pytest.raises(ValueError, match='n_classes'):
        memory_task(5, 2, n_classes=1)


def test_memory_model_shapes_and_cells():
    for cell in CELLS:
        m = memory_model(cell, units=4)
        p = keras.ops.convert_to_numpy(m(memory_task(3, 5)[0]))
        assert p.shape == (3, 4) and np.allclose(p.sum(1), 1, atol=1e-5)
        assert m.layers[1].__class__.__name__ == cell and not m.layers[0].trainable
    with pytest.raises(ValueError, match='cell must be one of'):
        memory_model('RNN')


def test_memory_settings_and_labels():
    q, f = memory_settings(True), memory_settings(False)
    assert set(q) == set(f) == {'Ts', 'steps', 'batch', 'seeds', 'n_test'} and len(q['Ts']) < len(f['Ts']) and q['steps'] < f['steps'] and len(f['seeds']) >= 3
    assert [memory_label(l) for l in MEMORY_LABELS] == [('SimpleRNN', 'default'), ('LSTM', 'default'), ('GRU', 'default'),
                                                         ('LSTM', 'chrono'), ('GRU', 'chrono')]
    with pytest.raises(ValueError, match="'bogus'"): memory_label('LSTM-bogus')
    with pytest.raises(ValueError, match='no gates'): memory_label('SimpleRNN-chrono')
    with pytest.raises(ValueError, match='cell must be one of'): memory_label('RNN')


def test_chrono_init_sets_keep_gate_biases():
    lstm, gru = keras.layers.LSTM(6), keras.layers.GRU(5)
    for layer in (lstm, gru): layer(np.zeros((1, 2, 3), 'float32'))
    keep = chrono_init(lstm, 50, seed=1)
    b = lstm.cell.get_weights()[2]
    assert np.allclose(b[6:12], keep) and np.allclose(b[:6], -keep) and np.all(b[12:18] == 0) and np.all(b[18:] == 0)
    assert np.all((keep >= 0) & (keep <= np.log(49)))
    keep = chrono_init(gru, 20, seed=1)
    b = gru.cell.get_weights()[2]
    assert b.shape == (2, 15) and np.allclose(b[0, :5], keep) and np.all(b[1, :5] == 0) and np.all(b[:, 5:] == 0)
    with pytest.raises(ValueError, match='T_max'): chrono_init(lstm, 2)
    with pytest.raises(TypeError, match='SimpleRNN'): chrono_init(_built(keras.layers.SimpleRNN(3)), 10)
    with pytest.raises(ValueError, match='build it first'): chrono_init(keras.layers.LSTM(3), 10)


def test_memory_pack_branches_are_independent_models():
    m = memory_pack(['SimpleRNN', 'GRU-chrono'], 4, seeds=[0, 2], units=3)
    assert m.branches == [('SimpleRNN', 0), ('SimpleRNN', 2), ('GRU-chrono', 0), ('GRU-chrono', 2)]
    assert len(m.inputs) == 2 and len(m.outputs) == 4
    same = memory_pack(['SimpleRNN'], 4, seeds=[0], units=3)
    w = lambda model, name: model.get_layer(name).get_weights()[0]
    assert np.array_equal(w(m, 'SimpleRNN_0'), w(same, 'SimpleRNN_0')) and not np.array_equal(w(m, 'SimpleRNN_0'), w(m, 'SimpleRNN_2'))
    with pytest.raises(ValueError, match='at least one'): memory_pack([], 4)


def test_memory_benchmark_points_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv('SEQCOURSE_BUILD', str(tmp_path))
    kw = dict(Ts=[2], steps=2, batch=4, seeds=[0, 1], n_test=8, units=2)
    pts = memory_benchmark(['SimpleRNN'], **kw, cache=True)
    assert [(p['label'], p['seed']) for p in pts] == [('SimpleRNN', 0), ('SimpleRNN', 1)]
    assert all(set(p) >= {'cell', 'init', 'T', 'seed', 'accuracy', 'loss', 'steps', 'seconds'} and 0 <= p['accuracy'] <= 1 for p in pts)
    assert pts[1]['cell'] == 'SimpleRNN' and pts[1]['init'] == 'default' and pts[0]['steps'] == 2
    def no_training(*a, **k): raise AssertionError('trained again instead of reading the cache')
    monkeypatch.setattr(keras.Model, 'fit', no_training)
    assert memory_benchmark(['SimpleRNN'], **kw, cache=True) == pts
    assert len(list((tmp_path / 'cache').glob('memory_benchmark-*'))) == 1
    with pytest.raises(ValueError, match='steps'): memory_benchmark('LSTM', [2], steps=0)


def test_longest_gap_solved_and_points_from(tmp_path, monkeypatch):
    pts = [dict(label=l, T=T, seed=s, accuracy=a) for l, T, accs in (('A', 5, (1, 1, 0)), ('A', 10, (1, .2, .2)), ('B', 5, (0, 0, 0)))
           for s, a in enumerate(accs)]
    assert longest_gap_solved(pts) == {'A': 5, 'B': None} and longest_gap_solved(pts, min_seeds=1) == {'A': 10, 'B': None}
    with pytest.raises(ValueError, match='at least one point'): longest_gap_solved([])
    with pytest.raises(ValueError, match='target'): longest_gap_solved(pts, target=1.5)
    monkeypatch.setenv('SEQCOURSE_BUILD', str(tmp_path))
    from seqcourse.core import save_results
    s = memory_settings(True)
    assert memory_points_from('rnn', s, True) == []
    save_results('rnn', {'memory_settings': s, 'memory_points': pts}, quick=True)
    assert memory_points_from('rnn', s, True) == pts and memory_points_from('rnn', s, False) == [] and memory_points_from('rnn', memory_settings(False), True) == []


def test_init_gradient_norms_shape():
    g = init_gradient_norms('GRU', 6, seeds=[0], batch=4, units=3)
    assert g.shape == (7,) and g[0] == 1 and np.all(g > 0)


def test_bad_targets_and_gradients_are_refused():
    rng = np.random.default_rng(0)
    cell = ScratchRNN(rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), np.zeros(4))
    x = rng.normal(size=(2, 5, 3))
    with pytest.raises(ValueError, match='-1'): rnn_loss_and_grads(cell, rng.normal(size=(4, 3)), np.zeros(3), x, np.array([[-1, 0, 0, 0, 0]] * 2))
    with pytest.raises(ValueError, match='0..2.*got 3'): rnn_loss_and_grads(cell, rng.normal(size=(4, 3)), np.zeros(3), x, np.array([[3, 0, 0, 0, 0]] * 2))
    with pytest.raises(ValueError, match='integer'): rnn_loss_and_grads(cell, rng.normal(size=(4, 3)), np.zeros(3), x, np.full((2, 5), 0.5))
    with pytest.raises(ValueError, match='NaN'): clip_by_global_norm([np.array([1.0, np.nan])], 1.0)
    with pytest.raises(ValueError, match='seed'): scaled_recurrent(4, 0.9, seed=-1)
    with pytest.raises(ValueError, match='4294967296'): memory_task(4, 5, seed=2**32)


# ---- alphabet helpers and exercises ---------------------------------------------------------------------------
def test_next_symbol_and_alphabet_model():
    from seqcourse.data import Vocab
    v = Vocab(list('abcd'))
    m = alphabet_model(len(v), units=4, many_to_many=False)
    top = next_symbol(m, v, 'abc', k=2)
    assert len(top) == 2 and all(s in 'abcd' for s, _ in top) and top[0][1] >= top[1][1]
    with pytest.raises(ValueError, match='many-to-one'):
        next_symbol(alphabet_model(len(v), units=4, many_to_many=True), v, 'abc')


def test_exercise_checkers(capsys):
    assert check('rnn-1', lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b))
    assert not check('rnn-1', lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh))
    assert 'bias' in capsys.readouterr().out
    assert check('rnn-2', 26 * 8 + 8 * 64 + 64 * 64 + 64 + 64 * 26 + 26)
    assert not check('rnn-2', 26 * 8 + 8 * 64 + 64 + 64 * 26 + 26)
    assert 'W_hh' in capsys.readouterr().out
    def jac(rnn, x):
        H, _ = rnn(np.asarray(x)[None]); J = np.eye(rnn.units)
        for t in range(H.shape[1]): J = ((1 - H[0, t] ** 2)[:, None] * rnn.W_hh.T) @ J
        return J
    assert check('rnn-3', jac)
    assert not check('rnn-3', lambda rnn, x: jac(rnn, x).T)
    assert 'transposed' in capsys.readouterr().out


def test_plot_memory_draws_one_label():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from seqcourse.rnn import plot_memory
    pts = [dict(label='LSTM-chrono', T=T, seed=s, accuracy=a) for T in (5, 10) for s, a in enumerate((0.5, 1.0, 0.75))]
    fig, ax = plt.subplots()
    plot_memory(ax, pts, 'LSTM-chrono', name='chrono')
    assert ax.get_legend_handles_labels()[1] == ['chrono'] and ax.get_xscale() == 'log'
    with pytest.raises(ValueError, match="'GRU'"): plot_memory(ax, pts, 'GRU')
    plt.close(fig)
