"The shared training tools: OrderedBatches, fit for scratch models, the callbacks."
import numpy as np
import pytest
import keras
import tensorflow as tf
from seqcourse.training import OrderedBatches, fit, EpochLog, StopWhenHeld, TimeBudget


class Linear:
    "A scratch softmax classifier."
    def __init__(self, W, b): self.W, self.b = tf.Variable(W), tf.Variable(b)
    @property
    def variables(self): return [self.W, self.b]
    def __call__(self, x): return x @ self.W + self.b


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype('float32'); Y = (X[:, 0] + X[:, 1] > 0).astype('int64')
    return X, Y, rng.normal(size=(4, 2)).astype('float32'), np.zeros(2, 'float32')


def test_ordered_batches_is_a_pure_function_of_the_index():
    b = OrderedBatches((np.arange(7), np.arange(7)), 3, [np.arange(7)[::-1], np.arange(7)])
    assert (b.epochs, b.steps_per_epoch, len(b)) == (2, 3, 6)
    assert b[0][0].tolist() == [6, 5, 4] and b[2][0].tolist() == [0] and b[3][0].tolist() == [0, 1, 2]
    assert b[1][0].tolist() == b[1][0].tolist()
    with pytest.raises(ValueError, match='not a permutation'): OrderedBatches((np.arange(3), np.arange(3)), 2, [np.array([0, 0, 1])])
    with pytest.raises(ValueError, match='batch_size'): OrderedBatches((np.arange(3), np.arange(3)), 0)


def test_scratch_fit_matches_keras_fit_step_for_step():
    X, Y, W0, b0 = _data()
    W = np.ones(len(Y), 'float32'); W[::3] = 0           # a mask, as sample weights
    orders = [np.random.default_rng(k).permutation(len(Y)) for k in range(3)]
    s = Linear(W0, b0)
    h1 = fit(s, OrderedBatches((X, Y, W), 16, orders), optimizer=keras.optimizers.Adam(0.1))
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]); net.set_weights([W0, b0])
    net.compile(optimizer=keras.optimizers.Adam(0.1), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    b = OrderedBatches((X, Y, W), 16, orders)
    h2 = net.fit(b, epochs=b.epochs, steps_per_epoch=b.steps_per_epoch, shuffle=False, verbose=0)
    assert np.allclose(h1.history['loss'], h2.history['loss'], atol=1e-6)
    assert np.allclose(s.W.numpy(), net.get_weights()[0], atol=1e-6)


def test_callbacks_reach_the_history_and_stop_training():
    X, Y, W0, b0 = _data()
    seen = []
    log = EpochLog(show=lambda e, logs: seen.append((e, round(logs['loss'], 6))), every=2)
    stop = StopWhenHeld(target=0.0, hold=2, monitor='loss')
    h = fit(Linear(W0, b0), OrderedBatches((X, Y), 32, [np.arange(len(Y))] * 6), callbacks=[log, stop])
    assert len(h.history['loss']) == 2 and stop.held and len(h.history['seconds']) == 2 and [e for e, _ in seen] == [1]
    with pytest.raises(KeyError, match='val_exact_match'):
        fit(Linear(W0, b0), OrderedBatches((X, Y), 32), callbacks=[StopWhenHeld()])
    with pytest.raises(ValueError, match='clock'): TimeBudget(3, clock='sun')
    with pytest.raises(TypeError, match='variables'): fit(lambda x: x, OrderedBatches((X, Y), 32))
    with pytest.raises(TypeError, match='OrderedBatches'): fit(Linear(W0, b0), (X, Y))


def _two_output_model():
    "A compiled model with two inputs and two outputs: its loss trackers are per output, built lazily by Keras."
    a, b = keras.Input((5, 3)), keras.Input((5, 3))
    h = keras.layers.GRU(4)(keras.layers.Concatenate()([a, b]))
    m = keras.Model([a, b], [keras.layers.Dense(2, name='o1')(h), keras.layers.Dense(2, name='o2')(h)])
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True)] * 2,
              metrics=[['accuracy'], ['accuracy']])
    return m


def _variable_paths(m):
    return {v.path for v in m.variables + m.optimizer.variables + [w for x in m.metrics for w in x.variables]}


def test_build_for_fit_creates_every_variable_fit_needs_and_changes_no_result():
    from seqcourse.core import set_seed
    from seqcourse.training import build_for_fit
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(48, 5, 3)).astype('float32') for _ in range(2)]; Y = [np.arange(48) % 2, (np.arange(48) // 2) % 2]
    set_seed(0); plain = _two_output_model()
    set_seed(0); built = build_for_fit(_two_output_model(), [x[:2] for x in X], [y[:2] for y in Y])
    before = _variable_paths(built)
    h_built = built.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    assert _variable_paths(built) == before          # nothing left for the first trace to create: it is not traced again
    h_plain = plain.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0).history
    assert sorted(h_plain) == sorted(h_built)
    for k in h_plain: assert np.allclose(h_plain[k], h_built[k], atol=1e-6), k
    with pytest.raises(ValueError, match='compiled model'):
        build_for_fit(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), np.zeros((1, 3)), np.zeros(1))


def test_scratch_fit_traces_its_step_once_for_a_smaller_last_batch():
    X, Y, W, b = _data(100)
    class Counting(Linear):
        calls = 0
        def __call__(self, x): Counting.calls += 1; return super().__call__(x)   # Python runs only while tracing
    m = Counting(W, b)
    h = fit(m, OrderedBatches((X, Y), 32, [np.arange(100)] * 2), optimizer=keras.optimizers.Adam(0.01))
    assert len(h.history['loss']) == 2 and np.isfinite(h.history['loss']).all()     # batches of 32, 32, 32 and 4
    assert Counting.calls == 1
