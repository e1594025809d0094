"""Unit tests of seqcourse.hello: curation, the passage's counts, windows, the study's metric on hand-made
models whose predictions are known, the error cases, and the packed trainer against plain Keras models."""
import numpy as np
import pytest
from seqcourse.chain import NGramModel
from seqcourse.core import set_seed
from seqcourse.data import load_text, Vocab, UnknownSymbolError
from seqcourse.hello import (curate, count_occurrences, letter_vocab, encode_windows, make_examples, build_model,
                             prompt_codes, remaining_letters, score_continuation, continuation_accuracy, LookupModel,
                             PackedRNN, PackedRun, summed_crossentropy, run_trials, PAPER_TABLE1, PAPER_LETTERS)
from seqcourse.models import CELLS
from seqcourse.exercises import check

PASSAGE = load_text('hello_passage')
CURATED = curate(PASSAGE)
VOCAB = letter_vocab(CURATED)


def test_curation_keeps_lower_case_letters_only():
    assert curate('Hello, World!') == 'helloworld'
    assert curate('  C++ 4ever; naïve_Var\n') == 'cevernavevar'   # accented letters go too
    assert curate('') == ''
    with pytest.raises(TypeError, match='str'): curate(['hello'])


def test_count_occurrences_overlaps_and_crosses_words():
    assert count_occurrences('aaaa', 'aa') == 3
    assert count_occurrences('Say hello world, then Hello\nWorld.', 'hello world') == 2
    assert count_occurrences('the shell', 'hell') == 1 and count_occurrences('the llama', 'hell') == 1  # across a space
    with pytest.raises(ValueError, match='no letters'): count_occurrences('abc', '!!')


@pytest.mark.parametrize('row', PAPER_TABLE1, ids=lambda r: r['seed'])
def test_passage_counts_match_table1(row):
    assert count_occurrences(PASSAGE, row['seed']) == row['seed_count']
    assert count_occurrences(PASSAGE, row['target']) == row['target_count']


def test_passage_size_and_alphabet():
    assert abs(len(CURATED) - PAPER_LETTERS) <= 0.01 * PAPER_LETTERS
    assert set(CURATED) == set('abcdefghijklmnopqrstuvwxyz')
    assert VOCAB.symbols == sorted(VOCAB.symbols) and len(VOCAB) == 26


def test_windows_and_encodings():
    X, y = make_examples('helloworld', 4)
    v = letter_vocab('helloworld')
    assert X.shape == (6, 4) and v.decode(X[0]) == 'hell' and v[y[0]] == 'o' and v[y[-1]] == 'd'
    X4, y4 = make_examples(CURATED, 4, VOCAB)
    assert X4.shape == (len(CURATED) - 4, 4) and VOCAB.decode(X4[10]) + VOCAB[y4[10]] == CURATED[10:15]
    s = encode_windows(VOCAB.encode('hell'), 26)
    assert s.shape == (4, 1) and np.allclose(s[:, 0], np.array([7, 4, 11, 11]) / 26)
    h = encode_windows(X4[:5], 26, 'onehot')
    assert h.shape == (5, 4, 26) and np.array_equal(h.argmax(-1), X4[:5])
    with pytest.raises(ValueError, match="'binary'"): encode_windows(X4, 26, 'binary')


def test_build_model_shapes_and_errors():
    m = build_model('GRU', 8, 3, 26, 'onehot')
    assert m.input_shape == (None, 3, 26) and m.output_shape == (None, 26)
    assert [l.name for l in m.layers] == ['rnn1', 'output'] and m.optimizer is not None   # compiled, as the study trains it
    assert build_model('SimpleRNN', 8).count_params() == 8 * (1 + 8 + 1) + 8 * 26 + 26
    with pytest.raises(ValueError, match="'RNN'"): build_model('RNN')
    with pytest.raises(ValueError, match='units must be an integer >= 1, got 0'): build_model('LSTM', 0)
    with pytest.raises(ValueError, match='window must be an integer >= 1, got 0'): build_model('LSTM', 4, 0)


def test_build_model_does_not_reseed():
    "The same seed set before building gives the same weights; without it the next network differs."
    set_seed(5); a = build_model('LSTM', 4, 3)
    set_seed(5); b = build_model('LSTM', 4, 3)
    c = build_model('LSTM', 4, 3)
    assert all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


ORACLE = {'hell': 'o', 'ello': 'w', 'llow': 'o', 'lowo': 'r', 'owor': 'l', 'worl': 'd'}


@pytest.mark.parametrize('encoding', ['scaled', 'onehot'])
def test_metric_on_models_with_known_predictions(encoding):
    perfect = LookupModel(ORACLE, VOCAB, 4, encoding)
    assert continuation_accuracy(perfect, 'hell', 'hello world', VOCAB, encoding, return_text=True) == (1.0, 'oworld')
    always_o = LookupModel(lambda w: 'o', VOCAB, 4, encoding)
    assert continuation_accuracy(always_o, 'hell', 'Hello, World!', VOCAB, encoding, return_text=True) == (2 / 6, 'oooooo')
    # one wrong letter changes every later window: the errors compound
    slip = LookupModel({**ORACLE, 'ello': 'x'}, VOCAB, 4, encoding)
    acc, text = continuation_accuracy(slip, 'hell', 'hello world', VOCAB, encoding, return_text=True)
    assert text[:2] == 'ox' and acc == pytest.approx(1 / 6 + sum(a == b for a, b in zip(text[2:], 'orld')) / 6)


def test_score_and_remaining_letters():
    assert score_continuation('oworld', 'oworld') == 1.0
    assert score_continuation('owrld', 'oworld') == pytest.approx(2 / 6)
    assert score_continuation('', 'ab') == 0.0
    assert remaining_letters('hell', 'hello world') == 'oworld' and remaining_letters('PROG', 'programming') == 'ramming'
    with pytest.raises(ValueError, match='does not start with'): remaining_letters('help', 'hello world')
    with pytest.raises(ValueError, match='nothing is left'): remaining_letters('lang', 'lang')


def test_prompt_errors_name_the_problem():
    m = LookupModel(ORACLE, VOCAB, 4)
    with pytest.raises(ValueError, match=r"prompt 'hel' has 3 letters.*L=4"): continuation_accuracy(m, 'hel', 'hello world', VOCAB)
    assert prompt_codes('XHell', 4, VOCAB).tolist() == VOCAB.encode('hell').tolist()   # the last L letters, lower-cased
    with pytest.raises(ValueError, match=r"'!' at position 2"): prompt_codes('he!l', 4, VOCAB)
    with pytest.raises(ValueError, match=r"'e' at position 1"): prompt_codes('hell', 4, Vocab(list('hlo')))
    with pytest.raises(TypeError, match='prompt must be a str'): prompt_codes(42, 4, VOCAB)


def test_pack_evaluation_continues_every_prompt_with_every_network():
    "The pack's networks and prompts are continued together: every predict call gets windows (M, S, L) and the rows stay apart."
    pack = PackedRun([dict(cell='SimpleRNN', units=3, window=4, encoding='scaled', trial=t) for t in (0, 1)], VOCAB)
    calls = []
    def predict_codes(win):                          # network 0 repeats the last letter, network 1 always says 'a'
        calls.append(win.shape)
        out = np.zeros(win.shape[:2] + (26,), np.float32)
        out[0, np.arange(win.shape[1]), win[0, :, -1]] = 1
        out[1, :, 0] = 1
        return out
    pack.predict_codes = predict_codes
    recs = pack.evaluate([('hell', 'hello world'), ('Prog', 'programming')], epochs=3)
    assert [(r['trial'], r['seed'], r['prediction'], r['epochs']) for r in recs] == \
           [(0, 'hell', 'llllll', 3), (0, 'Prog', 'ggggggg', 3), (1, 'hell', 'aaaaaa', 3), (1, 'Prog', 'aaaaaaa', 3)]
    assert recs[2]['accuracy'] == 0 and recs[0]['accuracy'] == pytest.approx(1 / 6)   # 'llllll' vs 'oworld'
    assert set(calls) == {(2, 2, 4)} and len(calls) <= 8      # all networks and prompts at once, about one call per letter


def lookup_baseline(curated, window, vocab):
    "The chapter's baseline: the most frequent letter after each window (an n-gram model of order L+1, no backoff)."
    counts = NGramModel(window + 1).fit(curated)
    return LookupModel(lambda w: counts.most_likely(w, backoff=False), vocab, window)


def test_ngram_baseline_completes_frequent_words():
    for prompt, target in [('hell', 'hello world'), ('prog', 'programming'), ('lang', 'language')]:
        assert continuation_accuracy(lookup_baseline(CURATED, 4, VOCAB), prompt, target, VOCAB) == 1.0
    ab = NGramModel(2).fit('abab')
    assert (ab.most_likely('a', backoff=False), ab.most_likely('b', backoff=False), ab.most_likely('c', backoff=False)) == ('b', 'a', None)
    assert NGramModel(2).fit('abac').most_likely('a', backoff=False) == 'b'              # ties: the smallest letter


@pytest.mark.parametrize('cell', CELLS)
def test_packed_networks_equal_keras_models(cell):
    import keras
    rng = np.random.default_rng(0)
    models = []
    for s in (3, 4):
        set_seed(s); models.append(build_model(cell, 6, 3, 26, 'scaled'))
    for m in models: m.compile(optimizer='adam', loss='categorical_crossentropy', run_eagerly=True)
    x = encode_windows(rng.integers(0, 26, (8, 3)), 26)
    y = np.eye(26, dtype=np.float32)[rng.integers(0, 26, 8)]
    inp = keras.Input((2, 3, 1)); pack = PackedRNN(cell, 6, 26, 2)
    pm = keras.Model(inp, pack(inp)); pack.load_models(models)
    pm.compile(optimizer='adam', loss=summed_crossentropy, run_eagerly=True)
    xk = np.repeat(x[:, None], 2, axis=1)
    ref = np.stack([m.predict_on_batch(x) for m in models], 1)
    assert np.allclose(pm.predict_on_batch(xk), ref, atol=1e-6)
    pm.train_on_batch(xk, np.repeat(y[:, None], 2, axis=1))
    for m in models: m.train_on_batch(x, y)
    back = [build_model(cell, 6, 3, 26) for _ in models]
    pack.store_models(back)
    for m, b in zip(models, back):
        for w1, w2 in zip(m.get_weights(), b.get_weights()): assert np.allclose(w1, w2, atol=1e-6)
    with pytest.raises(ValueError, match='holds 2 networks, got 1'): pack.load_models(models[:1])


def test_run_trials_records_and_bad_probes():
    text = 'hello world, the program says hello world again. ' * 6
    configs = [dict(cell='SimpleRNN', units=4, window=4, encoding='scaled', trial=0),   # two groups that each use
               dict(cell='SimpleRNN', units=4, window=4, encoding='onehot', trial=1)]   # one of the two trials
    records, packs = run_trials(configs, text, epochs=2, probes={4: [('hell', 'hello world')]}, eval_every=1)
    assert len(records) == 2 * 2
    assert set(records[0]) == {'model', 'units', 'window', 'encoding', 'epochs', 'trial', 'seed', 'target', 'accuracy', 'prediction'}
    assert {r['epochs'] for r in records} == {1, 2} and all(0 <= r['accuracy'] <= 1 for r in records)
    assert list(packs) == [(4, 2)]
    m = packs[(4, 2)].extract('SimpleRNN', 4, 'onehot', 1)
    rec = [r for r in records if r['encoding'] == 'onehot' and r['trial'] == 1 and r['epochs'] == 2][0]
    v = letter_vocab(curate(text))
    assert continuation_accuracy(m, 'hell', 'hello world', v, 'onehot', return_text=True)[1] == rec['prediction']
    with pytest.raises(ValueError, match="prompt 'he' has 2 letters"):
        run_trials(configs, text, 1, {4: [('he', 'hello world')]})
    with pytest.raises(ValueError, match=r'no probes .* \[4\]'): run_trials(configs, text, 1, {3: [('hel', 'hello world')]})
    with pytest.raises(ValueError, match=r"epochs \(of .*'SimpleRNN'.*\) must be an integer >= 1, got 0"):
        run_trials([dict(configs[0], epochs=0)], text, 1, {4: [('hell', 'hello world')]})


def test_run_trials_packs_by_window_and_epochs():
    "Configurations that need fewer epochs train in their own pack and stop there; their weights do not depend on the packing."
    text = 'hello world, the program says hello world again. ' * 6
    base = dict(cell='GRU', units=3, encoding='scaled', trial=0)
    configs = [dict(base, window=4), dict(base, window=4, epochs=1), dict(base, window=3, trial=1)]
    records, packs = run_trials(configs, text, epochs=2, probes={4: [('hell', 'hello world')], 3: [('hel', 'hello world')]}, eval_every=1)
    assert list(packs) == [(4, 2), (4, 1), (3, 2)]                      # main window first, longest runs first
    assert all(p.first_epoch_seconds is not None and p.seconds >= p.first_epoch_seconds for p in packs.values())
    got = sorted((r['window'], r['epochs'], r['trial']) for r in records)
    assert got == [(3, 1, 1), (3, 2, 1), (4, 1, 0), (4, 1, 0), (4, 2, 0)]
    # trial 0 at L=4 ran twice, in two packs, from the same initial weights and data order: the two copies
    # record the same continuation after epoch 1, and the one that trained a second epoch has other weights
    a, b = (p.extract('GRU', 3, 'scaled', 0) for p in (packs[(4, 2)], packs[(4, 1)]))
    assert [r['prediction'] for r in records if r['window'] == 4 and r['epochs'] == 1][0] == \
           [r['prediction'] for r in records if r['window'] == 4 and r['epochs'] == 1][1]
    assert not all(np.allclose(w1, w2) for w1, w2 in zip(a.get_weights(), b.get_weights()))  # one more epoch changed pack (4, 2)
    with pytest.raises(ValueError, match='workers must be an integer >= 1, got 0'):
        run_trials(configs, text, 2, {4: [('hell', 'hello world')], 3: [('hel', 'hello world')]}, workers=0)
    with pytest.raises(ValueError, match=r'the pack has no GRU of 3 units \(onehot\)'): packs[(4, 2)].extract('GRU', 3, 'onehot', 0)


@pytest.fixture(scope='module')
def serial_run():
    "(text, configs, probes, records, packs) of three small packs (every cell, both encodings, two windows and run lengths) trained here."
    text = 'hello world, the program says hello world again. ' * 6
    configs = [dict(cell='LSTM', units=3, window=4, encoding='scaled', trial=0),
               dict(cell='SimpleRNN', units=5, window=4, encoding='onehot', trial=1, epochs=1),
               dict(cell='GRU', units=4, window=3, encoding='scaled', trial=0)]
    probes = {4: [('hell', 'hello world'), ('prog', 'program')], 3: [('hel', 'hello world')]}
    here, packs_here = run_trials(configs, text, 2, probes, eval_every=1)
    return text, configs, probes, here, packs_here


def test_run_trials_in_worker_processes_gives_the_same_records(serial_run):
    "Packs trained in two worker processes give the records and weights of the packs trained here, one after another."
    text, configs, probes, here, packs_here = serial_run
    lines = []
    there, packs_there = run_trials(configs, text, 2, probes, eval_every=1, workers=2, log=lines.append)
    assert here == there and len(here) == 2 * 2 + 1 * 2 + 2 * 1
    assert list(packs_here) == list(packs_there) == [(4, 2), (4, 1), (3, 2)]
    m1, m2 = packs_here[(3, 2)].extract('GRU', 4, 'scaled', 0), packs_there[(3, 2)].extract('GRU', 4, 'scaled', 0)
    for w1, w2 in zip(m1.get_weights(), m2.get_weights()): np.testing.assert_array_equal(w1, w2)
    assert sum('done after' in l for l in lines) == 3 and any("epoch   1" in l for l in lines)


def test_exercise_checkers_pass_right_and_hint_wrong(capsys):
    assert check('hello-1', (VOCAB.encode('hell') / 26).reshape(1, 4, 1))
    assert not check('hello-1', VOCAB.encode('hell'))
    assert 'integer codes' in capsys.readouterr().out
    assert check('hello-2', score_continuation)
    assert not check('hello-2', lambda p, e: 100 * score_continuation(p, e))
    assert 'percentage' in capsys.readouterr().out
    l3 = continuation_accuracy(lookup_baseline(CURATED, 3, VOCAB), 'hel', 'hello world', VOCAB, return_text=True)[1]
    assert check('hello-3', l3) and not check('hello-3', 'x' + l3[1:])


@pytest.mark.parametrize('encoding', ['scaled', 'onehot'])
@pytest.mark.parametrize('cell', CELLS)
def test_packed_networks_agree_with_scratch_cells(cell, encoding):
    "The pack computes each cell's own equations: its output is the scratch cell of every network, then the Dense softmax in NumPy."
    import keras
    from seqcourse.core import softmax
    from seqcourse.models import many_to_one
    from seqcourse.hello import n_features
    from seqcourse.rnn import ScratchRNN
    from seqcourse.lstm import ScratchLSTM
    from seqcourse.gru import ScratchGRU
    scratch = {'SimpleRNN': ScratchRNN, 'LSTM': ScratchLSTM, 'GRU': ScratchGRU}[cell]
    rng, n, V = np.random.default_rng(2), 3, 26
    models = []
    for s in range(n):
        set_seed(s); m = many_to_one(V, cell=cell, units=5, length=4, inputs=n_features(encoding, V))
        for layer in (m.get_layer('rnn1'), m.get_layer('output')):           # non-zero biases (Keras starts them at 0)
            *w, b = layer.get_weights(); layer.set_weights(w + [rng.normal(0, 0.5, b.shape).astype('float32')])
        models.append(m)
    x = encode_windows(rng.integers(0, V, (7, n, 4)), V, encoding)             # every network gets its own windows
    inp = keras.Input(x.shape[1:]); pack = PackedRNN(cell, 5, V, n)
    pm = keras.Model(inp, pack(inp)); pack.load_models(models)
    got = np.asarray(pm.predict_on_batch(x))
    for k, m in enumerate(models):
        h, _ = scratch.from_keras(m.get_layer('rnn1'))(x[:, k])
        W, b = m.get_layer('output').get_weights()
        assert np.abs(got[:, k] - softmax(h[:, -1] @ W + b)).max() < 1e-5


def test_run_trials_on_an_executor_gives_the_serial_records(serial_run):
    "Any concurrent.futures.Executor (here threads) trains the packs; records and weights are those of the serial run."
    from concurrent.futures import ThreadPoolExecutor
    from seqcourse.hello import network_flops
    text, configs, probes, here, packs_here = serial_run
    with ThreadPoolExecutor(2) as pool:
        there, packs_there = run_trials(configs, text, 2, probes, eval_every=1, executor=pool)
    assert here == there and list(packs_here) == list(packs_there)
    for k in packs_here:
        for key in packs_here[k].weights:
            for w1, w2 in zip(packs_here[k].weights[key], packs_there[k].weights[key]): np.testing.assert_array_equal(w1, w2)
    with pytest.raises(TypeError, match='concurrent.futures.Executor'): run_trials(configs, text, 2, probes, executor='threads')
    assert network_flops('LSTM', 128, 4) == 3 * (2 * (4 * 1 + 3 * 128) * 512 + 2 * 128 * 26)   # h_0 = 0: 3 recurrent products
