"""Bad inputs across the public API: each must raise a clear error (ValueError, TypeError, KeyError, IndexError,
FileNotFoundError, RuntimeError) from seqcourse's own code, whose message names the offending value. Never a silent
wrong result, never a bare traceback from deep inside NumPy or Keras. Add a row whenever a new kind of bad input turns up.

`python tests/test_bad_inputs.py` prints the counts: clear / bare tracebacks / silent wrong results."""
import json
import tempfile
import traceback
from pathlib import Path

import numpy as np
import pytest

CLEAR = (ValueError, TypeError, KeyError, IndexError, FileNotFoundError, RuntimeError)
NAN, INF = float('nan'), float('inf')
P = np.array([0.1, 0.2, 0.7])
RNG = lambda: np.random.default_rng(0)  # noqa: E731


RIGHT = 'the call returns the right result'  # `names` of a case whose right outcome is a result, not an error


def classify(fn, names) -> tuple:
    "'clear', 'bare' (a third-party frame raised it, or the message names nothing it should) or 'silent', and the message."
    if names == RIGHT:
        try: return ('clear', 'right') if fn() is True else ('silent', 'wrong result')
        except Exception as e: return 'bare', f"{type(e).__name__}: {e}"  # noqa: BLE001
    try: fn()
    except CLEAR as e:
        frames = traceback.extract_tb(e.__traceback__)
        ours = any(part in frames[-1].filename for part in ('/seqcourse/', '\\seqcourse\\'))
        msg = f"{type(e).__name__}: {e}"
        named = all(n in str(e) for n in ([names] if isinstance(names, str) else names))
        return ('clear' if ours and named else 'bare'), msg
    except Exception as e:  # noqa: BLE001 (anything else is not a clear error)
        return 'bare', f"{type(e).__name__}: {e}"
    return 'silent', 'no error'


# ---------------------------------------------------------------- the table: (id, call, what the message must name)

def _core():
    from seqcourse import core
    return [
        ('core.set_seed(-1)', lambda: core.set_seed(-1), '-1'),
        ('core.set_seed(2**32)', lambda: core.set_seed(2**32), '4294967296'),
        ('core.set_seed(1.5)', lambda: core.set_seed(1.5), '1.5'),
        ('core.set_seed("0")', lambda: core.set_seed('0'), "'0'"),
        ('core.set_seed(True)', lambda: core.set_seed(True), 'True'),
        ('core.check_int bool', lambda: core.check_int('n', True), 'True'),
        ('core.check_number nan', lambda: core.check_number('x', NAN), 'nan'),
        ('core.check_probability 1.5', lambda: core.check_probability('p', 1.5), '1.5'),
        ('core.check_choice unknown', lambda: core.check_choice('cell', 'TRANSFORMER', ('LSTM',)), "'TRANSFORMER'"),
        ('core.sigmoid text', lambda: core.sigmoid('abc'), "'abc'"),
        ('core.sigmoid nan', lambda: core.sigmoid([0.0, NAN]), 'NaN'),
        ('core.softmax empty', lambda: core.softmax([]), 'empty'),
        ('core.softmax text', lambda: core.softmax(['a', 'b']), 'numbers'),
        ('core.softmax nan', lambda: core.softmax([1.0, NAN]), 'NaN'),
        ('core.softmax +inf', lambda: core.softmax([1.0, INF]), 'inf'),
        ('core.softmax axis 5 of 1-D', lambda: core.softmax([1.0, 2.0], axis=5), 'axis'),
        ('core.save_results chapter ../x', lambda: core.save_results('../x', {}), "'../x'"),
        ('core.save_results results list', lambda: core.save_results('rnn_bad', [1]), 'list'),
        ('core.save_results seed -1', lambda: core.save_results('bad_inputs', {}, seed=-1), '-1'),
        ('core.load_results ../../etc/passwd', lambda: core.load_results('../../etc/passwd'), "'../../etc/passwd'"),
        ('core.load_results missing', lambda: core.load_results('no_such_chapter'), "'no_such_chapter'"),
        ('core.cached_json name ../x', lambda: core.cached_json('../x', {}, lambda: 1), "'../x'"),
        ('core.cached_json compute not callable', lambda: core.cached_json('bad_inputs', {}, 5), 'compute'),
        ('core.Stopwatch stop before start', lambda: core.Stopwatch().stop(), 'start'),
    ]


def _plotting():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from seqcourse import plotting
    fig = plt.figure()
    return [
        ('plotting.model_color unknown', lambda: plotting.model_color('Transformer'), "'Transformer'"),
        ('plotting.model_color None', lambda: plotting.model_color(None), 'None'),
        ('plotting.save_figure ../../../x', lambda: plotting.save_figure(fig, 'data', '../../../x'), "'../../../x'"),
        ('plotting.save_figure chapter ../x', lambda: plotting.save_figure(fig, '../x', 'f'), "'../x'"),
        ('plotting.save_figure name empty', lambda: plotting.save_figure(fig, 'data', ''), "''"),
        ('plotting.save_figure not a figure', lambda: plotting.save_figure('fig', 'data', 'f'), 'str'),
        ('plotting.style_axes not axes', lambda: plotting.style_axes(None, 'x', 'y'), 'None'),
    ]


def _sampling():
    from seqcourse import sampling as s
    return [
        ('sampling.apply_temperature 1e-320', lambda: np.array_equal(s.apply_temperature(P, 1e-320), [0, 0, 1]), RIGHT),  # the greedy limit, not NaN
        ('sampling.apply_temperature 0', lambda: s.apply_temperature(P, 0), '0'),
        ('sampling.apply_temperature -1', lambda: s.apply_temperature(P, -1), '-1'),
        ('sampling.apply_temperature nan', lambda: s.apply_temperature(P, NAN), 'nan'),
        ('sampling.apply_temperature inf', lambda: s.apply_temperature(P, INF), 'inf'),
        ('sampling.greedy empty', lambda: s.greedy([]), 'empty'),
        ('sampling.greedy nan', lambda: s.greedy([0.5, NAN]), 'NaN'),
        ('sampling.greedy 3-D', lambda: s.greedy(np.ones((2, 2, 2)) / 2), '(2, 2, 2)'),
        ('sampling.greedy negative', lambda: s.greedy([-0.5, 1.5]), '-0.5'),
        ('sampling.greedy text', lambda: s.greedy('abc'), "'abc'"),
        ('sampling.draw rng 42', lambda: s.draw(P, 42), 'int'),
        ('sampling.draw not summing to 1', lambda: s.draw([0.2, 0.2], RNG()), '0.4'),
        ('sampling.top_p_mask p 1.5', lambda: s.top_p_mask(P, 1.5), '1.5'),
        ('sampling.top_p_mask p 0', lambda: s.top_p_mask(P, 0), '0'),
        ('sampling.top_p_mask p nan', lambda: s.top_p_mask(P, NAN), 'nan'),
        ('sampling.sample_next temperature -1', lambda: s.sample_next(P, temperature=-1, rng=RNG()), '-1'),
        ('sampling.sample_top_p rng None', lambda: s.sample_top_p(P, 0.9, rng=None), 'None'),
        ('sampling.sample_quality n 0', lambda: s.sample_quality('the cat', {'the', 'cat'}, n=0), '0'),
        ('sampling.sample_quality text 5', lambda: s.sample_quality(5, {'the'}), 'int'),
        ('sampling.generate n -1', lambda: s.generate(lambda c: np.full((len(c), 3), 1 / 3), _vocab(), 'ab', -1, window=2), '-1'),
        ('sampling.generate window -1', lambda: s.generate(lambda c: np.full((len(c), 3), 1 / 3), _vocab(), 'ab', 2, window=-1), '-1'),
        ('sampling.generate unknown prompt', lambda: s.generate(lambda c: np.full((len(c), 3), 1 / 3), _vocab(), 'az', 2, window=2), "'z'"),
        ('sampling.generate model None', lambda: s.generate(None, _vocab(), 'ab', 2), 'None'),
    ]


def _vocab():
    from seqcourse.data import Vocab
    return Vocab(list('abc'))


def _models(tmp):
    from seqcourse import models as m
    from seqcourse.data import Vocab

    def saved(name):
        import keras
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        return m.save_model(model, tmp/f'{name}.keras', Vocab(list('abc')), {'reverse': True})

    def corrupt_keras():
        p = saved('corrupt'); p.write_bytes(b'not a zip file'); m.load_model(p)

    def corrupt_vocab():
        p = saved('corrupt_vocab'); (tmp/'corrupt_vocab.vocab.json').write_text('{"format": '); m.load_model(p)

    def vocab_missing_keys():
        p = saved('nokeys'); (tmp/'nokeys.vocab.json').write_text('{"format": "seqcourse-model/1", "vocab": {}}'); m.load_model(p)

    def reordered():
        p = saved('reordered'); side = tmp/'reordered.vocab.json'
        doc = json.loads(side.read_text()); doc['vocab']['symbols'] = doc['vocab']['symbols'][::-1]
        side.write_text(json.dumps(doc)); m.load_model(p)

    def vocab_is_list():
        p = saved('listvocab'); (tmp/'listvocab.vocab.json').write_text('[1, 2]'); m.load_model(p)

    return [
        ('models.cell_name unknown', lambda: m.cell_name('Transformer'), "'Transformer'"),
        ('models.cell_name None', lambda: m.cell_name(None), 'None'),
        ('models.recurrent_layer units 0', lambda: m.recurrent_layer('LSTM', 0), '0'),
        ('models.recurrent_layer units 2.5', lambda: m.recurrent_layer('LSTM', 2.5), '2.5'),
        ('models.param_count features -1', lambda: m.param_count('LSTM', -1, 4), '-1'),
        ('models.many_to_one vocab 0', lambda: m.many_to_one(0), '0'),
        ('models.many_to_one units []', lambda: m.many_to_one(10, units=[]), '[]'),
        ('models.many_to_one units [4, -1]', lambda: m.many_to_one(10, units=[4, -1]), '-1'),
        ('models.many_to_one inputs bogus', lambda: m.many_to_one(10, inputs='bogus'), "'bogus'"),
        ('models.encoder_decoder length 0', lambda: m.encoder_decoder(10, length=0, out_length=3), '0'),
        ('models.encoder_decoder decoder_layers 0', lambda: m.encoder_decoder(10, length=3, out_length=3, decoder_layers=0), '0'),
        ('models.save_model .h5', lambda: m.save_model(None, tmp/'x.h5'), "'x.h5'"),
        ('models.save_model not a model', lambda: m.save_model('model', tmp/'x.keras'), 'str'),
        ('models.save_model meta not JSON', lambda: m.save_model(None, tmp/'y.keras', meta={'f': object()}), 'object'),
        ('models.load_model missing', lambda: m.load_model(tmp/'missing.keras'), 'missing.keras'),
        ('models.load_model corrupt .keras', corrupt_keras, 'corrupt.keras'),
        ('models.load_model corrupt .vocab.json', corrupt_vocab, 'corrupt_vocab.vocab.json'),
        ('models.load_model vocab without keys', vocab_missing_keys, 'nokeys.vocab.json'),
        ('models.load_model vocab is a list', vocab_is_list, 'listvocab.vocab.json'),
        ('models.load_model reordered vocab', reordered, 'reordered.vocab.json'),
    ]


class _Scratch:
    "The smallest scratch model `fit` accepts: callable, with its variables."
    def __init__(self):
        import tensorflow as tf
        self.variables = [tf.Variable(np.zeros((3, 2), np.float32))]
    def __call__(self, x): return x @ self.variables[0]


def _training():
    from seqcourse import training as t
    x, y = np.zeros((10, 3)), np.zeros(10)
    return [
        ('training.OrderedBatches no arrays', lambda: t.OrderedBatches(()), 'tuple'),
        ('training.OrderedBatches batch 0', lambda: t.OrderedBatches((x, y), batch_size=0), '0'),
        ('training.OrderedBatches batch 2.5', lambda: t.OrderedBatches((x, y), batch_size=2.5), '2.5'),
        ('training.OrderedBatches lengths differ', lambda: t.OrderedBatches((x, y[:5])), '5'),
        ('training.OrderedBatches empty', lambda: t.OrderedBatches((x[:0], y[:0])), '0'),
        ('training.OrderedBatches order wrong', lambda: t.OrderedBatches((x, y), orders=[[0, 1, 2]]), 'orders[0]'),
        ('training.OrderedBatches order repeats', lambda: t.OrderedBatches((x, y), orders=[[0] * 10]), 'permutation'),
        ('training.OrderedBatches not arrays', lambda: t.OrderedBatches('xy'), 'str'),
        ('training.EpochLog every 0', lambda: t.EpochLog(every=0), '0'),
        ('training.StopWhenHeld target 1.5', lambda: t.StopWhenHeld(target=1.5), '1.5'),
        ('training.StopWhenHeld hold 0', lambda: t.StopWhenHeld(hold=0), '0'),
        ('training.TimeBudget seconds -1', lambda: t.TimeBudget(-1), '-1'),
        ('training.TimeBudget seconds nan', lambda: t.TimeBudget(NAN), 'nan'),
        ('training.TimeBudget clock bogus', lambda: t.TimeBudget(5, clock='bogus'), "'bogus'"),
        ('training.fit model object', lambda: t.fit(object(), t.OrderedBatches((x, y))), 'object'),
        ('training.fit data not batches', lambda: t.fit(_Scratch(), [1, 2]), 'list'),
        ('training.fit epochs -1', lambda: t.fit(_Scratch(), t.OrderedBatches((x, y)), epochs=-1), '-1'),
        ('training.sparse_crossentropy shapes', lambda: t.sparse_crossentropy_from_logits(np.zeros(3, int), np.zeros((4, 5))), '(4, 5)'),
        ('training.sparse_crossentropy negative target', lambda: t.sparse_crossentropy_from_logits(np.array([-1, 0]), np.zeros((2, 5))), '-1'),
        ('training.sparse_crossentropy target too big', lambda: t.sparse_crossentropy_from_logits(np.array([7, 0]), np.zeros((2, 5))), '7'),
    ]


def _data():
    from seqcourse import data as d
    v = d.Vocab(list('abc'))
    return [
        ('data.Vocab unk == pad', lambda: d.Vocab(list('ab'), unk='<x>', pad='<x>'), "'<x>'"),
        ('data.Vocab level bogus', lambda: d.Vocab(list('ab'), level='bogus'), "'bogus'"),
        ('data.Vocab symbols a string of one', lambda: d.Vocab(5), 'int'),
        ('data.Vocab duplicates', lambda: d.Vocab(list('aba')), "'a'"),
        ('data.Vocab unhashable symbol', lambda: d.Vocab([['a'], 'b']), "['a']"),
        ('data.Vocab.from_text min_count 0', lambda: d.Vocab.from_text('abc', min_count=0), 'min_count'),
        ('data.Vocab.from_text text 5', lambda: d.Vocab.from_text(5), 'int'),
        ('data.Vocab.from_dict empty', lambda: d.Vocab.from_dict({}), 'symbols'),
        ('data.Vocab.from_dict not a dict', lambda: d.Vocab.from_dict([1]), 'list'),
        ('data.Vocab.encode unknown', lambda: v.encode('abz'), "'z'"),
        ('data.Vocab.decode 2-D', lambda: v.decode([[0, 1]]), '(1, 2)'),
        ('data.Vocab.decode out of range', lambda: v.decode([0, 9]), '9'),
        ('data.Vocab.decode negative', lambda: v.decode([-1]), '-1'),
        ('data.Vocab.decode floats', lambda: v.decode([0.5]), 'float'),
        ('data.tokenize 5', lambda: d.tokenize(5), 'int'),
        ('data.tokenize level bogus', lambda: d.tokenize('ab', 'bogus'), "'bogus'"),
        ('data.one_hot depth 0', lambda: d.one_hot([0], 0), '0'),
        ('data.one_hot code too big', lambda: d.one_hot([5], 3), '5'),
        ('data.one_hot negative code', lambda: d.one_hot([-1], 3), '-1'),
        ('data.one_hot float codes', lambda: d.one_hot([0.5], 3), 'float64'),
        ('data.scale_codes depth 0', lambda: d.scale_codes([0], 0), '0'),
        ('data.scale_codes code too big', lambda: d.scale_codes([5], 3), '5'),
        ('data.scale_codes negative code', lambda: d.scale_codes([-2], 3), '-2'),
        ('data.windows length 0', lambda: d.windows(list(range(10)), 0), '0'),
        ('data.windows too short', lambda: d.windows([1, 2], 5), '5'),
        ('data.windows step -1', lambda: d.windows(list(range(10)), 2, step=-1), '-1'),
        ('data.shifted_windows length huge', lambda: d.shifted_windows(list(range(10)), 10**9), '1000000000'),
        ('data.dataset_path unknown', lambda: d.dataset_path('no_such'), "'no_such'"),
        ('data.load_text ../x', lambda: d.load_text('../x'), "'../x'"),
        ('data.data_card unknown', lambda: d.data_card('no_such'), "'no_such'"),
        ('data.corpus_info 5', lambda: d.corpus_info(5), 'int'),
        ('data.load_corpus unknown', lambda: d.load_corpus('no_such'), "'no_such'"),
        ('data.load_corpus max_chars -1', lambda: d.load_corpus('stdlib', max_chars=-1), '-1'),
        ('data.stdlib_docstrings max_chars 0', lambda: d.stdlib_docstrings(max_chars=0), '0'),
        ('data.docstring_sentences max_chars -5', lambda: d.docstring_sentences(max_chars=-5), '-5'),
    ]


# ---------------------------------------------------------------- the chapters (their notebooks have other owners)

def _chain():
    from seqcourse import chain as c
    v = _vocab()
    return [
        ('chain.NGramModel order 0', lambda: c.NGramModel(0), '0'),
        ('chain.NGramModel smoothing bogus', lambda: c.NGramModel(2, smoothing='bogus'), "'bogus'"),
        ('chain.make_lovehate n_rows 0', lambda: c.make_lovehate(0), '0'),
        ('chain.make_lovehate seed -1', lambda: c.make_lovehate(10, seed=-1), '-1'),
        ('chain.make_lovehate seed 2**32', lambda: c.make_lovehate(10, seed=2**32), '4294967296'),
        ('chain.split_rows n -1', lambda: c.split_rows(-1), '-1'),
        ('chain.split_rows val_fraction 1.5', lambda: c.split_rows(10, 1.5), '1.5'),
        ('chain.top_k k 0', lambda: c.top_k(P, v, 0), '0'),
        ('chain.top_k probs wrong length', lambda: c.top_k(np.ones(5) / 5, v, 2), '5'),
        ('chain.majority_accuracy empty', lambda: c.majority_accuracy([], []), 'empty'),
    ]


def _rnn():
    from seqcourse import rnn as r
    rng = np.random.default_rng(0)
    cell = r.ScratchRNN(rng.normal(size=(3, 4)), rng.normal(size=(4, 4)), np.zeros(4))
    x = rng.normal(size=(2, 5, 3))
    return [
        ('rnn.rnn_loss_and_grads negative target', lambda: r.rnn_loss_and_grads(cell, rng.normal(size=(4, 3)), np.zeros(3), x, np.array([[-1, 0, 0, 0, 0]] * 2)), '-1'),
        ('rnn.rnn_loss_and_grads target too big', lambda: r.rnn_loss_and_grads(cell, rng.normal(size=(4, 3)), np.zeros(3), x, np.array([[3, 0, 0, 0, 0]] * 2)), '3'),
        ('rnn.ScratchRNN kernel shapes', lambda: r.ScratchRNN(np.zeros((3, 4)), np.zeros((5, 5))), '(5, 5)'),
        ('rnn.ScratchRNN activation bogus', lambda: r.ScratchRNN(np.zeros((3, 4)), np.zeros((4, 4)), activation='bogus'), "'bogus'"),
        ('rnn.scaled_recurrent units 0', lambda: r.scaled_recurrent(0, 0.9), '0'),
        ('rnn.scaled_recurrent rho nan', lambda: r.scaled_recurrent(4, NAN), 'nan'),
        ('rnn.scaled_recurrent seed -1', lambda: r.scaled_recurrent(4, 0.9, seed=-1), '-1'),
        ('rnn.gradient_norms T 0', lambda: r.gradient_norms(0.9, T=0), '0'),
        ('rnn.clip_by_global_norm max_norm -1', lambda: r.clip_by_global_norm([np.ones(3)], -1), '-1'),
        ('rnn.clip_by_global_norm max_norm nan', lambda: r.clip_by_global_norm([np.ones(3)], NAN), 'nan'),
        ('rnn.memory_task n 0', lambda: r.memory_task(0, 5), '0'),
        ('rnn.memory_task seed 2**32', lambda: r.memory_task(4, 5, seed=2**32), '4294967296'),
        ('rnn.memory_model cell bogus', lambda: r.memory_model('bogus'), "'bogus'"),
    ]


def _lstm():
    from seqcourse import lstm as m
    cases = [
        ('lstm.phrase_vocab empty', lambda: m.phrase_vocab([]), 'empty'),
        ('lstm.phrase_windows length 0', lambda: m.phrase_windows(['ab cd'], m.phrase_vocab(['ab cd']), 0), '0'),
        ('lstm.exercise_lstm seed -1', lambda: m.exercise_lstm(seed=-1), '-1'),
    ]
    if hasattr(m, 'context_baseline'):
        cases.append(('lstm.context_baseline empty data', lambda: m.context_baseline(np.zeros((0, 3), int), np.zeros(0, int),
                                                                                     np.zeros((2, 3), int), np.zeros(2, int)), 'empty'))
    return cases


def _gru():
    from seqcourse import gru as g
    return [
        ('gru.DeepRNN n_in 0', lambda: g.DeepRNN(0, [4], 3), '0'),
        ('gru.DeepRNN widths []', lambda: g.DeepRNN(3, [], 3), '[]'),
        ('gru.DeepRNN cell bogus', lambda: g.DeepRNN(3, [4], 3, cell='bogus'), "'bogus'"),
        ('gru.epoch_orders n -1', lambda: g.epoch_orders(-1, 2), '-1'),
        ('gru.epoch_orders seed -1', lambda: g.epoch_orders(5, 2, seed=-1), '-1'),
        ('gru.sentence_vocab empty', lambda: g.sentence_vocab([]), 'empty'),
        ('gru.masked_scores shapes', lambda: g.masked_scores(np.zeros((2, 3, 4)), np.zeros((2, 5), int), np.ones((2, 5))), '(2, 5)'),
    ]


def _hello():
    from seqcourse import hello as h
    return [
        ('hello.n_features encoding bogus', lambda: h.n_features('bogus', 26), "'bogus'"),
        ('hello.n_features depth 0', lambda: h.n_features('onehot', 0), '0'),
        ('hello.encode_windows depth 0', lambda: h.encode_windows(np.zeros((2, 3), int), 0), '0'),
        ('hello.encode_windows code too big', lambda: h.encode_windows(np.full((2, 3), 30), 26, 'onehot'), '30'),
        ('hello.count_occurrences empty pattern', lambda: h.count_occurrences('abc', ''), "''"),
        ('hello.make_examples window 0', lambda: h.make_examples('abcdef', 0), '0'),
        ('hello.make_examples window too long', lambda: h.make_examples('abc', 10), '10'),
        ('hello.config_seed seed -1', lambda: h.config_seed(-1, 'GRU', 8, 4, 'scaled', 0), '-1'),
        ('hello.score_continuation 5', lambda: h.score_continuation(5, 'abc'), 'int'),
        ('hello.remaining_letters not a prefix', lambda: h.remaining_letters('xyz', 'abcdef'), "'xyz'"),
        ('hello.build_model cell bogus', lambda: h.build_model('bogus'), "'bogus'"),
        ('hello.build_model units 0', lambda: h.build_model('GRU', 0), '0'),
    ]


def _addition(tmp):
    from seqcourse import addition as a, models

    def solve_reloaded():
        "A model trained on queries in reading order, saved and loaded again, still reads them in reading order."
        model = a.build_model('LSTM', units=4, digits=1, reverse=False)
        models.save_model(model, tmp/'add.keras')
        again, _ = models.load_model(tmp/'add.keras')
        return a.reads_reversed(again) is False

    return [
        ('addition.make_data pairs [[1.7, 2.2]]', lambda: a.make_data(pairs=np.array([[1.7, 2.2]])), '1.7'),
        ('addition.make_data pairs [[1.7, 2.2]] list', lambda: a.make_data(pairs=[[1.7, 2.2]]), '1.7'),
        ('addition.make_data pairs negative', lambda: a.make_data(pairs=np.array([[-1, 2]])), '-1'),
        ('addition.make_data pairs too many digits', lambda: a.make_data(pairs=np.array([[1000, 2]]), digits=3), '1000'),
        ('addition.make_data n 0', lambda: a.make_data(n=0), '0'),
        ('addition.make_data seed -1', lambda: a.make_data(n=5, seed=-1), '-1'),
        ('addition.CharacterTable pad ""', lambda: a.CharacterTable(pad=''), "''"),
        ('addition.CharacterTable pad "ab"', lambda: a.CharacterTable(pad='ab'), "'ab'"),
        ('addition.CharacterTable chars repeat', lambda: a.CharacterTable('0012+'), "'0012+'"),
        ('addition.sample_pairs n -1', lambda: a.sample_pairs(-1), '-1'),
        ('addition.sample_pairs digits 0', lambda: a.sample_pairs(5, digits=0), '0'),
        ('addition.format_query a -1', lambda: a.format_query(-1, 2, 3), '-1'),
        ('addition.format_query a too long', lambda: a.format_query(12345, 2, 3), '12345'),
        ('addition.query_width 0', lambda: a.query_width(0), '0'),
        ('addition.split val_fraction 1.5', lambda: a.split(a.make_data(n=10), 1.5), '1.5'),
        ('addition.solve query bogus', lambda: a.solve(a.build_model('LSTM', units=4, digits=1), '1+x'), "'1+x'"),
        ('addition.solve on a reloaded model', solve_reloaded, RIGHT),
    ]


def _textgen():
    from seqcourse import textgen as t
    return [
        ('textgen.split_text empty', lambda: t.split_text(''), "''"),
        ('textgen.split_text val_frac 1.5', lambda: t.split_text('abcdefghij' * 10, 1.5), '1.5'),
        ('textgen.split_text blocks 0', lambda: t.split_text('abcdefghij' * 10, blocks=0), '0'),
        ('textgen.text_sequences length 0', lambda: t.text_sequences(np.arange(10), 0), '0'),
        ('textgen.text_sequences too short', lambda: t.text_sequences(np.arange(3), 10), '10'),
        ('textgen.uniform_bits 0', lambda: t.uniform_bits(0), '0'),
        ('textgen.nats_to_bits text', lambda: t.nats_to_bits('x'), "'x'"),
        ('textgen.epoch_windows rng 5', lambda: t.epoch_windows(np.arange(20), 4, 5), '5'),
    ]


def all_cases(tmp) -> list:
    "Every case, in table order."
    tmp = Path(tmp)
    return (_core() + _plotting() + _sampling() + _models(tmp) + _training() + _data()
            + _chain() + _rnn() + _lstm() + _gru() + _hello() + _addition(tmp) + _textgen())


# Chapter cases that still fail: strict xfails, so that a fix shows up as XPASS and the mark is removed.
XFAIL = {
}

_TMP = Path(tempfile.mkdtemp(prefix='seqcourse-bad-inputs-'))
CASES = all_cases(_TMP)


def _param(cid, fn, names):
    if cid not in XFAIL: return pytest.param(cid, fn, names, id=cid)
    chapter, what = XFAIL[cid]
    return pytest.param(cid, fn, names, id=cid, marks=pytest.mark.xfail(strict=True, reason=f'owned by the {chapter} notebook: {what}'))


@pytest.mark.parametrize('cid, fn, names', [_param(*c) for c in CASES])
def test_a_bad_input_gives_a_clear_error(cid, fn, names, monkeypatch):
    monkeypatch.setenv('SEQCOURSE_BUILD', str(_TMP/'build'))
    kind, msg = classify(fn, names)
    assert kind == 'clear', f"{cid}: {kind}: {msg}"


def test_the_table_is_large_and_every_xfail_names_a_case():
    assert len(CASES) >= 190 and len({c[0] for c in CASES}) == len(CASES)
    assert set(XFAIL) <= {c[0] for c in CASES}


def summary(results) -> str:
    "Counts of clear errors, bare tracebacks and silent wrong results, and the list of the others."
    counts = {k: sum(r[0] == k for r in results.values()) for k in ('clear', 'bare', 'silent')}
    lines = [f"{len(results)} bad inputs: {counts['clear']} clear errors, {counts['bare']} bare tracebacks or unclear messages, "
             f"{counts['silent']} silent wrong results"]
    lines += [f"  {kind:<6} {cid}: {msg[:160]}" for cid, (kind, msg) in results.items() if kind != 'clear']
    return '\n'.join(lines)


if __name__ == '__main__':
    import os
    os.environ.setdefault('SEQCOURSE_BUILD', str(_TMP/'build'))
    print(summary({cid: classify(fn, names) for cid, fn, names in CASES}))
