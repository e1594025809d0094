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
