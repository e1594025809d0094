"""Tests of seqcourse.attention: scratch attention against Keras, the decoders, beam search, solve's errors."""
import keras
import numpy as np
import pytest

from seqcourse.addition import make_data, recipe_optimizer
from seqcourse.attention import (DESIGNS, additive_attention, alignments, answer_strings, beam_decode, beam_search,
                                 beam_step, build_design, dot_attention, greedy_decode, model_inputs, previous_chars,
                                 solve, train_design, units_first, widen)
from seqcourse.core import set_seed


# ---------------------------------------------------------------- scratch attention == Keras (shapes the chapter does not use)

@pytest.mark.parametrize('B,Tq,Tv,d', [(3, 5, 9, 6), (1, 1, 4, 3)])
def test_dot_attention_matches_keras(B, Tq, Tv, d):
    rng = np.random.default_rng(1)
    q, v = rng.normal(size=(B, Tq, d)).astype('float32'), rng.normal(size=(B, Tv, d)).astype('float32')
    k = rng.normal(size=(B, Tv, d)).astype('float32')
    ctx, w = keras.layers.Attention()([q, v, k], return_attention_scores=True)
    ours_ctx, ours_w = dot_attention(q, k, v)
    assert np.abs(ours_ctx - np.asarray(ctx)).max() < 1e-5 and np.abs(ours_w - np.asarray(w)).max() < 1e-5


@pytest.mark.parametrize('B,Tq,Tv,d', [(2, 3, 10, 5), (4, 6, 2, 7)])
def test_additive_attention_matches_keras(B, Tq, Tv, d):
    rng = np.random.default_rng(2)
    q, v = rng.normal(size=(B, Tq, d)).astype('float32'), rng.normal(size=(B, Tv, d)).astype('float32')
    k = rng.normal(size=(B, Tv, d)).astype('float32')
    layer = keras.layers.AdditiveAttention()
    layer([q, v, k])
    layer.scale.assign(rng.normal(size=d).astype('float32'))
    ctx, w = layer([q, v, k], return_attention_scores=True)
    ours_ctx, ours_w = additive_attention(q, k, v, v=np.asarray(layer.scale))
    assert np.abs(ours_ctx - np.asarray(ctx)).max() < 1e-5 and np.abs(ours_w - np.asarray(w)).max() < 1e-5


def test_one_step_attention_and_projections():
    rng = np.random.default_rng(3)
    s, H, W, U = rng.normal(size=4), rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    ctx, w = dot_attention(s, H)
    assert ctx.shape == (4,) and w.shape == (6,) and np.isclose(w.sum(), 1) and np.allclose(ctx, w @ H)
    ctx, w = additive_attention(s, H, W=W, U=U, v=np.ones(3))
    e = np.tanh(s @ W + H @ U).sum(-1)
    assert np.allclose(w, np.exp(e) / np.exp(e).sum()) and np.allclose(ctx, w @ H)


# ---------------------------------------------------------------- data for the decoder

def test_units_first_and_previous_chars():
    y = units_first(['596  ', '7    '], 5)
    assert y.shape == (2, 5, 12) and y.argmax(-1)[0, :3].tolist() == [7, 10, 6]   # '695' (codes: digit + 1)
    P = previous_chars(y)
    assert P.shape == (2, 5, 13) and (P[:, 0, 12] == 1).all() and (P[:, 1:, :12].argmax(-1) == y[:, :-1].argmax(-1)).all()
    with pytest.raises(ValueError, match='does not fit 2 decoder steps'): previous_chars(np.zeros((1, 3), int), steps=2)
    assert answer_strings(y.argmax(-1)) == ['596', '7']


# ---------------------------------------------------------------- models, decoding, beam search

@pytest.fixture(scope='module')
def tiny():
    "A tiny attention model trained a few steps on 2-digit sums, and its data."
    set_seed(0)
    data = make_data(400, 2, seed=0)
    y = units_first(data.answers, 3)
    model = build_design('attention', 2, units=8, optimizer=recipe_optimizer(4))
    run = train_design(model, data.x[:300], y[:300], (data.x[300:], y[300:]), epochs=2, batch_size=100)
    return model, data, y, run


def test_a_tiny_model_trains(tiny):
    model, data, y, run = tiny
    assert run['epochs'] == 2 and len(run['loss']) == 2 and run['loss'][1] < run['loss'][0]
    assert model.output_shape == (None, 3, 12) and model.meta['design'] == 'attention'


def test_every_design_builds():
    for d in DESIGNS:
        m = build_design(d, 2, units=4)
        assert m.output_shape == (None, 3, 12) and m.meta['design'] == d
    out = m(model_inputs(m, np.zeros((2, 5, 12), 'float32')), training=False)   # the self-attention design runs
    assert np.allclose(np.asarray(out).sum(-1), 1, atol=1e-5)
    with pytest.raises(ValueError, match="design must be one of .*got 'lstm'"): build_design('lstm')


def test_beam_width_one_is_greedy(tiny):
    model, data, y, _ = tiny
    x = data.x[300:340]
    assert np.array_equal(beam_decode(model, x, 1), greedy_decode(model, x))
    assert beam_decode(model, x, 3).shape == (40, 3)


def test_beam_search_finds_a_likelier_sequence_than_greedy():
    table = {(): [0.6, 0.4], (0,): [0.5, 0.5], (1,): [0.95, 0.05]}      # greedy takes 0 (0.6) then 0.5: 0.30; best is 1,0: 0.38
    f = lambda rows, pre: np.array([table[tuple(p)] for p in pre.tolist()])
    codes1, lp1 = beam_search(f, 1, 2, width=1)
    codes2, lp2 = beam_search(f, 1, 2, width=2)
    assert codes1.tolist() == [[0, 0]] and codes2.tolist() == [[1, 0]] and np.isclose(np.exp(lp2[0]), 0.38)
    parents, symbols, scores = beam_step(np.log([0.6, 0.4]), np.array([[0.5, 0.5, 0], [0, 0.9, 0.1]]), 2)
    assert parents.tolist() == [1, 0] and symbols.tolist() == [1, 0] and np.allclose(np.exp(scores), [0.36, 0.3])


def test_alignments_and_widen(tiny):
    model, data, *_ = tiny
    A = alignments(model, data.x[:5])
    assert A.shape == (5, 3, 5) and np.allclose(A.sum(-1), 1, atol=1e-6)
    wide = widen(model, 4)
    assert wide.input_shape[0] == (None, 9, 12) and wide.output_shape == (None, 5, 12)
    assert all(np.array_equal(a, b) for a, b in zip(wide.get_weights(), model.get_weights()))
    with pytest.raises(ValueError, match='no attention layer'): alignments(build_design('repeat', 2, units=4), data.x[:2])


# ---------------------------------------------------------------- solve and its errors

def test_solve_answers_strings_and_rejects_bad_input(tiny):
    model, *_ = tiny
    out = solve(model, ['12+34', '9+9'])
    assert len(out) == 2 and all(isinstance(s, str) for s in out) and solve(model, '12+34') == out[0]
    assert solve(model, '12+34', beam=1) == out[0] and isinstance(solve(model, '12+34', beam=3), str)
    with pytest.raises(ValueError, match="operand 123 has 3 digits, but this model reads at most 2"): solve(model, '123+4')
    with pytest.raises(ValueError, match=r"beam \(the beam width\) must be an integer >= 1, got 0"): solve(model, '1+1', beam=0)
    with pytest.raises(ValueError, match="outside the table: 'a'"): solve(model, '1a+2')
    with pytest.raises(ValueError, match="looks like '123\\+45'"): solve(model, '12+3+4')
    with pytest.raises(ValueError, match=r"width \(beam\) must be an integer >= 1, got -1"):
        beam_search(lambda r, p: np.ones((len(r), 2)) / 2, 1, 2, width=-1)
