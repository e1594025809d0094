"Unit tests of seqcourse.chain: the love/hate 3-grams, the chain of dense networks and the recurrent models."
from collections import Counter
import numpy as np
import pytest
from seqcourse.data import Vocab, UnknownSymbolError, load_text, one_hot
from seqcourse.exercises import check
from seqcourse.core import sigmoid
from seqcourse.chain import (LOVEHATE_FIRST, LOVEHATE_SECOND, LOVEHATE_THIRD, LOVEHATE_THIRD_BY_PAIR, make_lovehate,
                             lovehate_tsv, load_lovehate, encode_rows, split_rows, majority_accuracy,
                             count_table_accuracy, NGramModel, kn_discounts, third_word_table, dense_step_model, hidden_model, hidden_activations, top_k,
                             chain_predict, build_chain, build_recurrent_chain, build_word_rnn, rnn_predict,
                             build_model1, build_model2)

keras = pytest.importorskip('keras')


@pytest.fixture(scope='module')
def data():
    return load_lovehate()


@pytest.fixture(scope='module')
def small_vocab():
    return Vocab(['hate', 'it', 'love', 'see', 'to', 'when'], level='word')


# ---- the dataset -------------------------------------------------------------------------------------------
def test_generator_is_seeded_and_follows_its_tables():
    a, b = make_lovehate(300, seed=3), make_lovehate(300, seed=3)
    assert a == b and a != make_lovehate(300, seed=4)
    for w1, w2, w3 in a:
        assert w1 in LOVEHATE_FIRST and w2 in LOVEHATE_SECOND[w1]
        assert w3 in (LOVEHATE_THIRD_BY_PAIR.get((w1, w2)) or LOVEHATE_THIRD[w2])
    with pytest.raises(ValueError, match='n_rows'): make_lovehate(0)


def test_bundled_file_is_the_generators_output(data):
    assert load_text('lovehate') == lovehate_tsv(make_lovehate())
    words, vocab = data
    assert words.shape == (5351, 3) and len(vocab) == 139 and vocab.symbols == sorted(vocab.symbols)
    pairs = Counter(map(tuple, words[:, :2]))
    for pair in [('love', 'it'), ('love', 'to'), ('love', 'the'), ('to', 'love')]: assert pairs[pair] > 0
    first = Counter(words[:, 0])
    assert first.most_common(1)[0][0] == 'love' and first['love'] > first['loved'] > first['hated']


def test_encode_rows_names_an_unknown_word(data):
    words, vocab = data
    codes = encode_rows(words[:10], vocab)
    assert codes.shape == (10, 3) and [vocab.decode(c) for c in codes] == [list(r) for r in words[:10]]
    with pytest.raises(UnknownSymbolError, match="'pizza'"): encode_rows([['love', 'pizza', 'it']], vocab)


def test_split_rows():
    tr, va = split_rows(100, 0.2, seed=1)
    assert len(va) == 20 and len(tr) == 80 and not set(tr) & set(va) and sorted(np.r_[tr, va]) == list(range(100))
    assert np.array_equal(split_rows(100, 0.2, seed=1)[1], va) and not np.array_equal(split_rows(100, 0.2, seed=2)[1], va)
    with pytest.raises(ValueError, match='val_fraction'): split_rows(100, 1.5)
    with pytest.raises(ValueError, match='too few'): split_rows(2, 0.1)


def test_baselines_on_a_hand_computed_example():
    # train: context 0 -> 5, 5, 6; context 1 -> 7. Majority target: 5.
    ctx_tr, y_tr = np.array([[0], [0], [0], [1]]), np.array([5, 5, 6, 7])
    ctx_ev, y_ev = np.array([[0], [1], [2], [0]]), np.array([5, 7, 5, 6])
    assert majority_accuracy(y_tr, y_ev) == 0.5                       # right on rows 0 and 2
    assert count_table_accuracy(ctx_tr, y_tr, ctx_ev, y_ev) == 0.75   # 5, 7, unseen -> 5, 5 (wrong)
    # ties go to the smallest code, in the table and in the fallback: context 0 -> 6, 5 (tie: 5); majority 5 vs 6 (tie: 5)
    assert count_table_accuracy([[0], [0]], [6, 5], [[0], [3]], [5, 5]) == 1.0
    with pytest.raises(ValueError, match='empty'): majority_accuracy([], [1])


# ---- the n-gram model -------------------------------------------------------------------------------------------
def test_ngram_probs_are_a_distribution_on_chars_words_and_codes():
    for data, ctxs in (('the cat sat on the mat.', ['', 'th', 'the ', 'qq']),
                       ([['i', 'love', 'it'], ['we', 'hate', 'it', 'now']], [(), ('love',), ('i', 'love'), ('x', 'y')]),
                       ([np.array([0, 1, 2, 1]), [2, 2, 0]], [(), (1,), np.array([2, 1])])):
        for order in (1, 2, 3):
            m = NGramModel(order).fit(data)
            for ctx in ctxs:
                p = m.probs(ctx)
                assert p.shape == (len(m.vocab),) and abs(p.sum() - 1) < 1e-12 and p.min() > 0
                assert np.allclose(p, [m.prob(ctx, s) for s in m.vocab.symbols])


def test_ngram_most_likely_ties_and_backoff():
    m = NGramModel(3).fit([['i', 'love', 'to', 'see'], ['i', 'love', 'it'], ['we', 'love', 'it']])
    assert m.most_likely(['i', 'love']) == 'it'                 # it 1, to 1: the smaller symbol
    assert m.most_likely(['we', 'love']) == 'it'
    assert m.most_likely(['they', 'love']) == 'it'              # backs off to 'love' alone: it 2, to 1
    assert m.most_likely(['they', 'love'], backoff=False) is None
    assert m.most_likely(['zzz']) == 'love' and m.most_likely(()) == 'love'   # love 3 times, the most frequent word
    assert m.most_likely(['a', 'b', 'i', 'love'], backoff=False) == 'it'     # only the last order-1 symbols count
    assert NGramModel(2).fit('abba').most_likely('b') == 'a'                    # b -> b, b -> a: tie, the smaller
    assert m.counts(['i', 'love']) == {'to': 1, 'it': 1} and m.counts(['nope', 'x']) == {}


def test_ngram_fit_pairs_counts_every_suffix():
    m = NGramModel(3).fit_pairs(np.array([[0, 1], [2, 1], [2, 1], [0, 3]]), np.array([5, 6, 6, 5]))
    assert m.counts([0, 1]) == {5: 1} and m.counts([2, 1]) == {6: 2} and m.counts([1]) == {5: 1, 6: 2}
    assert m.counts([]) == {5: 2, 6: 2} and m.most_likely([]) == 5
    assert m.most_likely([4, 1], backoff=False) is None and m.most_likely([4, 1]) == 6
    assert m.vocab.symbols == [0, 1, 2, 3, 5, 6]
    s = NGramModel(2).fit_pairs(['ab', 'cb', 'xa'], ['c', 'c', 'b'])           # characters: string keys
    assert s.most_likely('zb') == 'c' and s.counts('') == {'c': 2, 'b': 1}
    with pytest.raises(ValueError, match='contexts and targets'): NGramModel(2).fit_pairs([[0]], [1, 2])
    with pytest.raises(ValueError, match='empty'): NGramModel(2).fit_pairs([], [])


def test_ngram_unigram_bits_per_char_and_the_empirical_entropy():
    text = 'the quick brown fox jumps over the lazy dog and the cat'
    m = NGramModel(1).fit(text)
    p = np.array([text.count(c) for c in m.vocab.symbols]) / len(text)
    entropy = float(-(p * np.log2(p)).sum())
    bits = m.bits_per_char(text)
    # Witten-Bell mixes the counts with the uniform distribution: never below the entropy, never above uniform
    assert entropy <= bits <= np.log2(len(m.vocab)) and bits < entropy + 0.3
    big = NGramModel(1).fit(text * 200)                 # the counts dominate: the mixture approaches the entropy
    assert abs(big.bits_per_char(text) - entropy) < 0.01


def test_ngram_generate_and_call():
    v = Vocab.from_text('hello world hello', lower=True)
    m = NGramModel(4, v).fit('hello world hello')
    P = m(np.array([v.encode('hel'), v.encode('wor')]))
    assert P.shape == (2, len(v)) and np.allclose(P[0], m.probs('hel')) and np.allclose(P.sum(1), 1)
    assert m.generate('Hello', 6) == ' world'
    a = m.generate('hel', 20, temperature=1.0, rng=np.random.default_rng(0))
    assert a == m.generate('hel', 20, temperature=1.0, rng=np.random.default_rng(0))


@pytest.mark.parametrize('make, msg', [(lambda: NGramModel(0), 'order'), (lambda: NGramModel(True), 'order'),
                                       (lambda: NGramModel(2.5), 'order'), (lambda: NGramModel(2, vocab='abc'), 'vocab'),
                                       (lambda: NGramModel(3).fit('ab'), 'too short'), (lambda: NGramModel(2).fit(5), 'data'),
                                       (lambda: NGramModel(2).fit('abc').most_likely('a', backoff='no'), 'backoff'),
                                       (lambda: NGramModel(2).fit('abc').bits_per_char(''), 'text'),
                                       (lambda: NGramModel(2).fit('abc').generate('ab', -1), 'n ')])
def test_ngram_bad_arguments_raise_value_errors_naming_them(make, msg):
    with pytest.raises(ValueError, match=msg): make()
    with pytest.raises(RuntimeError, match='fit'): NGramModel(2).probs('a')


# ---- the chain -----------------------------------------------------------------------------------------------
def test_dense_step_model_and_its_hidden_layer():
    m = dense_step_model(7, 5, hidden=3)
    assert m.count_params() == 7 * 3 + 3 + 3 * 5 + 5
    x = one_hot(np.array([0, 3, 6]), 7)
    h = hidden_activations(m, x)
    U, b = m.get_layer('hidden').get_weights()
    assert h.shape == (3, 3) and np.allclose(h, sigmoid(x @ U + b), atol=1e-6)
    assert hidden_model(m).count_params() == 7 * 3 + 3          # shares the layer, copies nothing
    with pytest.raises(ValueError, match="'nope'"): hidden_model(m, 'nope')
    with pytest.raises(ValueError, match='hidden'): dense_step_model(7, 5, hidden=0)


def test_top_k(small_vocab):
    p = np.array([0.1, 0.05, 0.5, 0.3, 0.05, 0.0])
    assert top_k(p, small_vocab, 2) == [('love', 0.5), ('see', 0.3)]
    assert [w for w, _ in top_k(p, small_vocab, 6)][:4] == ['love', 'see', 'hate', 'it']
    with pytest.raises(ValueError, match='6 words'): top_k(p[:5], small_vocab)
    with pytest.raises(ValueError, match='k must'): top_k(p, small_vocab, 0)


def test_chain_predict_matches_the_models_and_names_unknown_words(small_vocab):
    keras.utils.set_random_seed(0)
    V = len(small_vocab)
    m1, m2 = dense_step_model(V, V, hidden=4), dense_step_model(4 + V, V, hidden=4)
    top = chain_predict(m1, m2, small_vocab, 'love to', k=3)
    x1, x2 = small_vocab.one_hot(['love']), small_vocab.one_hot(['to'])
    p = np.asarray(m2(np.concatenate([hidden_activations(m1, x1), x2], axis=1)))[0]
    assert top == top_k(p, small_vocab, 3) and top[0][1] >= top[1][1] >= top[2][1]
    assert chain_predict(m1, m2, small_vocab, ['love', 'to']) == top
    with pytest.raises(UnknownSymbolError, match="'pizza'"): chain_predict(m1, m2, small_vocab, 'love pizza')
    with pytest.raises(ValueError, match='expected 2 words'): chain_predict(m1, m2, small_vocab, 'love to see')


# ---- the recurrence ------------------------------------------------------------------------------------------
def test_model2_hidden_layer_is_one_simplernn_step():
    "Model 2's hidden layer on [h1, x2] equals a SimpleRNN step from state h1 with the same weights."
    keras.utils.set_random_seed(2)
    V, H = 6, 3
    m2 = dense_step_model(H + V, V, hidden=H)
    K, b = m2.get_layer('hidden').get_weights()
    h1 = np.random.default_rng(0).uniform(size=(4, H)).astype('float32')
    x2 = one_hot(np.array([0, 1, 2, 5]), V)
    step = sigmoid(x2 @ K[H:] + h1 @ K[:H] + b)                       # h_2 = sigma(x_2 U + h_1 W + b)
    assert np.allclose(step, hidden_activations(m2, np.concatenate([h1, x2], axis=1)), atol=1e-6)
    rnn = keras.layers.SimpleRNN(H, activation='sigmoid')
    rnn(x2[:, None], initial_state=h1); rnn.set_weights([K[H:], K[:H], b])
    assert np.allclose(np.asarray(rnn(x2[:, None], initial_state=h1)), step, atol=1e-6)


@pytest.mark.parametrize('n,V,H', [(2, 139, 10), (3, 139, 10), (5, 8, 3)])
def test_chain_parameters_grow_and_tied_parameters_do_not(n, V, H):
    link = V * H + H + H * V + V
    assert build_chain(V, n, H).count_params() == (n - 1) * link + (n - 2) * H * H
    tied = build_recurrent_chain(V, H)
    assert tied.count_params() == (V + H) * H + H + H * V + V
    assert [l.name for l in tied.layers] == ['rnn1', 'output'] and tied.get_layer('rnn1').activation.__name__ == 'sigmoid'
    x = one_hot(np.zeros((2, n - 1), dtype=int), V)
    assert np.asarray(tied(x)).shape == (2, n - 1, V)


def test_chain_of_three_words_is_model1_plus_model2():
    m1, m2 = build_model1(139), build_model2(139)
    assert (m1.count_params(), m2.count_params()) == (2929, 3029)          # the deck's counts
    assert m2.input_shape == (None, 149) and m1.get_layer('hidden').units == 10
    assert build_chain(139, 3).count_params() == m1.count_params() + m2.count_params()
    with pytest.raises(ValueError, match='n_words'): build_chain(139, 1)


def test_word_rnn_has_the_decks_parameter_count_and_predicts(small_vocab):
    assert build_word_rnn(139).count_params() == 9409     # 5,100 recurrent + 4,309 output, as in the deck
    assert [l.name for l in build_word_rnn(5).layers] == ['rnn1', 'output']
    keras.utils.set_random_seed(0)
    m = build_word_rnn(len(small_vocab), units=4)
    top = rnn_predict(m, small_vocab, 'love it', k=2)
    assert len(top) == 2 and all(w in small_vocab for w, _ in top) and 0 < top[0][1] <= 1
    assert len(rnn_predict(m, small_vocab, 'love it when', k=1)) == 1      # any length of context
    with pytest.raises(UnknownSymbolError, match="'pizza'"): rnn_predict(m, small_vocab, ['pizza', 'it'])


# ---- exercises ---------------------------------------------------------------------------------------------
def test_exercise_checkers_accept_right_and_reject_wrong_answers(data):
    def chain_params(n, V, H): return (n - 1) * (2 * V * H + H + V) + (n - 2) * H * H
    assert check('chain-1', chain_params)
    assert not check('chain-1', lambda n, V, H: (n - 1) * (2 * V * H + H + V))     # forgets the state weights
    assert check('chain-2', lambda yt, yp: float(np.mean((np.asarray(yp) > 0.5) == (np.asarray(yt) > 0.5))))
    assert not check('chain-2', lambda yt, yp: float(np.mean(np.argmax(yp, -1) == np.argmax(yt, -1))))
    words, _ = data
    groups = {}
    for _, w2, w3 in words: groups.setdefault(w2, Counter())[w3] += 1
    right = sum(max(c.values()) for c in groups.values()) / len(words)
    assert check('chain-3', right) and not check('chain-3', right + 0.01) and not check('chain-3', 'half')


# ---- Kneser-Ney and the grammar's own tables --------------------------------------------------------------------
def test_kneser_ney_by_hand_and_as_a_distribution():
    m = NGramModel(2, smoothing='kneser-ney', discount=0.5).fit('abab abba')
    # continuation counts a 3 (after b, after space, text start), b 2, space 1: P(a) = (3 - .5 + .5 * 3 / 3) / 6
    assert m.prob('', 'a') == pytest.approx(0.5) and m.prob('', ' ') == pytest.approx(1 / 6)
    assert m.prob('b', 'a') == pytest.approx((2 - 0.5 + 0.5 * 3 * 0.5) / 4)      # after b: a 2, space 1, b 1
    assert m.prob('a', 'a') == pytest.approx(0.5 * 1 * 0.5 / 3)                  # after a: only b, 3 times
    for smoothing in ('witten-bell', 'kneser-ney'):
        for data, ctxs in (('the cat sat on the mat. the cat ate.', ['', 't', 'the ', 'qq', 'cat s']),
                           ([['i', 'love', 'it'], ['we', 'hate', 'it', 'now']], [(), ('love',), ('i', 'love'), ('x', 'y')])):
            for order in (1, 2, 3, 4):
                m = NGramModel(order, smoothing=smoothing).fit(data)
                for ctx in ctxs:
                    p = m.probs(ctx)
                    assert abs(p.sum() - 1) < 1e-12 and p.min() > 0
                    assert np.allclose(p, [m.prob(ctx, s) for s in m.vocab.symbols])
    pairs = NGramModel(3, smoothing='kneser-ney').fit_pairs(np.array([[0, 1], [2, 1], [2, 1], [0, 3]]), np.array([5, 6, 6, 5]))
    assert abs(sum(pairs.prob([0, 1], s) for s in pairs.vocab.symbols) - 1) < 1e-12
    assert pairs.counts([2, 1]) == {6: 2} and pairs.most_likely([4, 1]) == 6   # the count table is the same under either smoothing


def test_kneser_ney_beats_witten_bell_on_real_text_and_discounts():
    from seqcourse.data import stdlib_docstrings
    text = stdlib_docstrings(max_chars=60_000)          # tens of thousands of characters: where discounting pays
    v = Vocab.from_text(text)
    bits = {s: NGramModel(5, v, smoothing=s).fit(text[:50_000]).bits_per_char(text[50_000:]) for s in ('witten-bell', 'kneser-ney')}
    assert bits['kneser-ney'] < bits['witten-bell'] - 0.1
    y = 3 / (3 + 2 * 2)                                   # n1 = 3, n2 = 2, n3 = n4 = 1
    assert kn_discounts([1, 1, 1, 2, 2, 3, 4]) == pytest.approx((1 - 2 * y * 2 / 3, 2 - 3 * y * 1 / 2, 3 - 4 * y * 1 / 1))
    assert all(0.05 <= d <= k for k, d in enumerate(kn_discounts([1, 1, 1]), 1))


def test_ngram_bad_inputs_name_the_value():
    for bad, match in ((dict(order=0), '0'), (dict(order=2, smoothing='good-turing'), 'good-turing'),
                       (dict(order=2, smoothing='kneser-ney', discount=0), 'discount'),
                       (dict(order=2, discount=0.5), 'discount'), (dict(order=2.5), '2.5')):
        with pytest.raises(ValueError, match=match): NGramModel(**bad)
    m = NGramModel(2).fit('abab')
    with pytest.raises(UnknownSymbolError, match="'z'"): m.prob('a', 'z')
    with pytest.raises(UnknownSymbolError, match="'z'"): m.bits_per_char('abz')
    with pytest.raises(ValueError, match='empty'): m.bits_per_char('')
    with pytest.raises(UnknownSymbolError, match="'q'"): NGramModel(2, Vocab(list('ab'))).fit('abq')
    assert m.bits_per_char(['ab', 'ba'], many=True) == pytest.approx(
        -(np.log2(m.prob('', 'a')) + np.log2(m.prob('a', 'b')) + np.log2(m.prob('', 'b')) + np.log2(m.prob('b', 'a'))) / 4)


def test_third_word_table_is_what_the_generator_draws_from():
    assert third_word_table('hate', 'to') is LOVEHATE_THIRD_BY_PAIR[('hate', 'to')]
    assert third_word_table('love', 'with') is LOVEHATE_THIRD['with']
    with pytest.raises(ValueError, match="'zebra'"): third_word_table('love', 'zebra')
    with pytest.raises(ValueError, match='-1'): make_lovehate(5, seed=-1)
