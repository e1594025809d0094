"Unit tests of the samplers: distributions, edge cases, errors and determinism with an explicit generator."
import numpy as np
import pytest
from seqcourse.sampling import (greedy, draw, apply_temperature, sample_temperature, top_p_mask,
                                top_p_filter, sample_top_p, sample_next)

P = np.array([0.1, 0.0, 0.45, 0.3, 0.15])


def freqs(codes, V): return np.bincount(np.asarray(codes), minlength=V) / len(codes)


def test_greedy_vector_batch_and_ties():
    assert greedy(P) == 2 and type(greedy(P)) is int
    out = greedy(np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]]))
    assert out.dtype == np.int64 and out.tolist() == [0, 2]


def test_draw_matches_the_distribution_and_never_draws_zeros():
    rng = np.random.default_rng(0)
    codes = draw(np.tile(P, (40_000, 1)), rng)
    f = freqs(codes, 5)
    assert f[1] == 0 and np.allclose(f, P, atol=0.01)


def test_draw_one_hot_row_is_certain():
    rng = np.random.default_rng(1)
    assert all(draw([0, 0, 0, 1.0], rng) == 3 for _ in range(50))


@pytest.mark.parametrize('T', [0.25, 0.5, 2.0])
def test_temperature_is_power_and_renormalise(T):
    q = apply_temperature(P, T)
    expected = P ** (1 / T) / (P ** (1 / T)).sum()
    assert np.allclose(q, expected) and q[1] == 0
    assert np.argsort(-q)[:3].tolist() == np.argsort(-P)[:3].tolist()  # order kept


def test_temperature_limits():
    assert np.allclose(apply_temperature(P, 1.0), P)
    assert apply_temperature(P, 1e-6)[2] > 0.999                 # T -> 0: greedy
    hot = apply_temperature(P, 1e6)
    assert np.allclose(hot[P > 0], 0.25, atol=1e-4) and hot[1] == 0  # T -> inf: uniform over the support
    assert np.isfinite(apply_temperature(np.array([1 - 1e-12, 1e-12]), 0.01)).all()  # no underflow to 0/0


def test_temperature_sampling_distribution():
    rng = np.random.default_rng(2)
    f = freqs(sample_temperature(np.tile(P, (40_000, 1)), 0.5, rng=rng), 5)
    assert np.allclose(f, apply_temperature(P, 0.5), atol=0.01)


@pytest.mark.parametrize('bad', [0, 0.0, -0.5, float('nan'), float('inf'), '1', None, True])
def test_bad_temperature_is_a_clear_error(bad):
    with pytest.raises(ValueError, match='temperature must be a number > 0'):
        apply_temperature(P, bad)
    if bad is not None:  # None means "no temperature" in sample_next
        with pytest.raises(ValueError, match='temperature must be'):
            sample_next(P, temperature=bad, rng=np.random.default_rng(0))


def test_top_p_mask_definition():
    p = np.array([0.05, 0.5, 0.3, 0.15])
    assert top_p_mask(p, 0.5).tolist() == [False, True, False, False]
    assert top_p_mask(p, 0.500001).tolist() == [False, True, True, False]
    assert top_p_mask(p, 0.8).tolist() == [False, True, True, False]
    assert top_p_mask(p, 0.9).tolist() == [False, True, True, True]
    assert top_p_mask(p, 1.0).all() and top_p_mask(p, 1e-9).sum() == 1


def test_top_p_ties_are_broken_by_lower_code_and_batches_work():
    m = top_p_mask(np.array([[0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4]]), 0.5)
    assert m.tolist() == [[True, True, False, False], [False, False, True, True]]


def test_top_p_filter_and_samples_stay_inside_the_kept_set():
    rng = np.random.default_rng(3)
    Q = rng.dirichlet(np.ones(12) * 0.5, size=300)
    for p in (0.3, 0.7, 0.9):
        keep = top_p_mask(Q, p)
        kept_mass = np.where(keep, Q, 0).sum(-1)
        assert (kept_mass >= p - 1e-12).all()
        # minimal: dropping the least likely kept symbol falls below p
        least = np.where(keep, Q, np.inf).min(-1)
        assert ((kept_mass - least) < p).all()
        codes = sample_top_p(Q, p, rng=rng)
        assert keep[np.arange(len(Q)), codes].all()
        assert np.allclose(top_p_filter(Q, p).sum(-1), 1)


def test_top_p_sampling_distribution():
    p = np.array([0.05, 0.5, 0.3, 0.15])
    f = freqs(sample_top_p(np.tile(p, (40_000, 1)), 0.6, rng=np.random.default_rng(4)), 4)
    assert np.allclose(f, [0, 0.625, 0.375, 0], atol=0.01)


@pytest.mark.parametrize('bad', [0, -0.1, 1.0001, 2, float('nan'), '0.9', None])
def test_bad_top_p_is_a_clear_error(bad):
    with pytest.raises(ValueError, match=r'top_p must be a number in \(0, 1\]'):
        top_p_mask(P, bad)


@pytest.mark.parametrize('bad, msg', [([0.5, 0.6], 'sums to 1.1'), ([[-0.1, 1.1]], 'negative'),
                                      ([np.nan, 1.0], 'NaN'), (np.ones((2, 2, 2)) / 2, 'shape'),
                                      ([], 'empty'), ([[2.0, 3.0]], 'sum to 1')])
def test_bad_probabilities_are_clear_errors(bad, msg):
    for f in (greedy, lambda q: draw(q, np.random.default_rng(0)), lambda q: sample_next(q, top_p=0.9, rng=np.random.default_rng(0))):
        with pytest.raises(ValueError, match=msg): f(bad)


@pytest.mark.parametrize('rng', [None, 0, np.random.RandomState(0)])
def test_random_samplers_require_an_explicit_generator(rng):
    with pytest.raises(TypeError, match='numpy Generator'): draw(P, rng)
    with pytest.raises(TypeError, match='numpy Generator'): sample_next(P, temperature=1.0, rng=rng)
    with pytest.raises(TypeError): sample_temperature(P, 1.0)  # rng is keyword-only and required


def test_same_seed_same_codes_different_seed_different_codes():
    Q = np.random.default_rng(9).dirichlet(np.ones(20), size=64)
    for f in (lambda g: sample_temperature(Q, 0.8, rng=g), lambda g: sample_top_p(Q, 0.9, rng=g),
              lambda g: sample_next(Q, temperature=1.2, top_p=0.95, rng=g)):
        a, b, c = f(np.random.default_rng(11)), f(np.random.default_rng(11)), f(np.random.default_rng(12))
        assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_global_numpy_state_is_not_used():
    np.random.seed(0); a = sample_top_p(P, 0.9, rng=np.random.default_rng(5))
    np.random.seed(1); b = sample_top_p(P, 0.9, rng=np.random.default_rng(5))
    assert a == b


def test_sample_next_policy():
    assert sample_next(P) == 2                                  # greedy, no rng needed
    g = np.random.default_rng(6)
    assert sample_next(P, top_p=1e-9, rng=g) == 2
    # T = 0.5 gives q ∝ p^2 = (.01, 0, .2025, .09, .0225)/.325 = (.031, 0, .623, .277, .069):
    # top-p 0.6 keeps code 2 alone, top-p 0.7 keeps codes 2 and 3 (temperature is applied first)
    assert {sample_next(P, temperature=0.5, top_p=0.6, rng=g) for _ in range(200)} == {2}
    assert {sample_next(P, temperature=0.5, top_p=0.7, rng=g) for _ in range(500)} == {2, 3}
    assert {sample_next(P, top_p=0.7, rng=g) for _ in range(500)} == {2, 3}  # without T: .45+.3 = .75


def test_generate_window_mode_with_a_function_greedy_stop_and_batches():
    from seqcourse.data import Vocab
    from seqcourse.sampling import generate
    v = Vocab(list('abcd'))
    def nxt(ctx):
        p = np.full((len(ctx), 4), 0.05); p[np.arange(len(ctx)), (np.asarray(ctx)[:, -1] + 1) % 4] = 0.85
        return p
    assert generate(nxt, v, 'a', 5, window=1) == 'bcdab'
    assert generate(nxt, v, ['a', 'b'], 4, window=1, stop='d') == ['bc', 'c']
    a = generate(nxt, v, 'a', 50, window=1, top_p=0.99, rng=np.random.default_rng(1))
    assert a == generate(nxt, v, 'a', 50, window=1, top_p=0.99, rng=np.random.default_rng(1))
    with pytest.raises(TypeError, match='Generator'): generate(nxt, v, 'a', 3, window=1, temperature=1.0)
    with pytest.raises(ValueError, match='n \\(symbols to generate\\)'): generate(nxt, v, 'a', -1, window=1)
    with pytest.raises(ValueError, match="prompt 'az'"): generate(nxt, v, 'az', 2, window=1)
    with pytest.raises(ValueError, match='stop symbol'): generate(nxt, v, 'a', 2, window=1, stop='z')


def test_generate_never_emits_padding_and_stepper_matches_the_whole_sequence():
    import keras
    from seqcourse.core import set_seed
    from seqcourse.data import Vocab
    from seqcourse.models import many_to_many
    from seqcourse.sampling import generate, Stepper
    set_seed(0)
    v = Vocab(list('abc'), pad='_')
    m = many_to_many(len(v), cell='GRU', units=6, inputs='codes', embed_dim=3)
    out = generate(m, v, 'ab', 40, temperature=2.0, rng=np.random.default_rng(0))
    assert len(out) == 40 and '_' not in out
    x = np.random.default_rng(1).integers(0, 4, size=(2, 5))
    s = Stepper(m).reset(2)
    steps = np.stack([s.step(x[:, t]) for t in range(5)], 1)
    assert np.abs(steps - np.asarray(m(x), np.float64)).max() < 1e-5
    with pytest.raises(ValueError, match='same non-zero length'): generate(m, v, ['a', 'ab'], 3)
    dense = keras.Sequential([keras.Input((3, 4)), keras.layers.Flatten(), keras.layers.Dense(4, activation='softmax')])
    with pytest.raises(ValueError, match='no recurrent layer'): Stepper(dense)
    with pytest.raises(ValueError, match='at least 3 symbols'): generate(dense, v, 'ab', 2, window=3)
    assert len(generate(dense, v, 'abc', 4, window=3)) == 4


def test_sample_quality():
    from seqcourse.sampling import sample_quality
    q = sample_quality('the cat sat on teh mat', 'the cat sat on the mat')
    assert q['real_words'] == 5 / 6 and 0 < q['distinct'] <= 1
    assert np.isnan(sample_quality('', {'a'})['real_words'])
