"""Tests of seqcourse.sequences: the scratch masking rule against Keras, padding, the number-words and segmentation data,
the end-symbol encoding, boundary F1, the models' weight counts, bucketing, the exercise checkers and the errors on bad
input. Nothing here trains a model."""
import keras
import numpy as np
import pytest

from seqcourse.exercises import check
from seqcourse.gru import ScratchGRU
from seqcourse.lstm import ScratchLSTM
from seqcourse.models import param_count
from seqcourse.rnn import ScratchRNN
from seqcourse.sequences import (END, NUMBER_VOCAB, PaddedBatches, boundary_f1, decode_answers, encode_strings,
                                 equal_units, exact_by_length, length_batches, masked_run, number_words, numbers_by_length,
                                 pad_codes, read_numbers, reader, segment_labels, seq2seq_model, tagger, tagger_params)


def _keras_pair(scratch_cls, units, features, seed):
    layer = scratch_cls.keras_layer(units, return_sequences=True, return_state=True,
                                    bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=seed),
                                    kernel_initializer=keras.initializers.GlorotUniform(seed=seed))
    layer.build((None, None, features))
    return layer, scratch_cls.from_keras(layer)


@pytest.mark.parametrize('scratch_cls', [ScratchRNN, ScratchGRU, ScratchLSTM])
@pytest.mark.parametrize('seed', [0, 1])
def test_masked_run_matches_keras(scratch_cls, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(5, 8, 3)).astype('float32')
    m = rng.random((5, 8)) < 0.6
    m[:, 0] = True
    m[1] = [True] + [False] * 7            # one real step, then padding
    m[2, :4] = False; m[2, 0] = True       # gaps in the middle
    layer, scratch = _keras_pair(scratch_cls, 4, 3, seed)
    H_k, *state_k = (keras.ops.convert_to_numpy(a) for a in layer(x, mask=m))
    H, state = masked_run(scratch, x, m)
    state = state if isinstance(state, tuple) else (state,)
    assert np.abs(H - H_k).max() < 1e-5
    for s, k in zip(state, state_k): assert np.abs(s - k).max() < 1e-5


def test_masked_run_without_padding_is_the_plain_layer_and_padding_changes_nothing():
    layer, rnn = _keras_pair(ScratchRNN, 3, 2, 0)
    x = np.random.default_rng(0).normal(size=(2, 5, 2))
    H, h = masked_run(rnn, x, np.ones((2, 5)))
    H0, h0 = rnn(x)
    assert np.allclose(H, H0) and np.allclose(h, h0)
    xp = np.concatenate([x, np.random.default_rng(1).normal(size=(2, 4, 2))], 1)   # junk after the end, masked
    Hp, hp = masked_run(rnn, xp, np.r_['1', np.ones((2, 5)), np.zeros((2, 4))])
    assert np.allclose(hp, h0) and np.allclose(Hp[:, 5:], H0[:, -1:])               # the state and the output are held


def test_masked_run_bad_masks():
    _, rnn = _keras_pair(ScratchRNN, 3, 2, 0)
    x = np.zeros((2, 4, 2))
    with pytest.raises(ValueError, match=r'mask must have shape \(batch, time\) = \(2, 4\)'): masked_run(rnn, x, np.ones((2, 5)))
    with pytest.raises(ValueError, match='only 0 and 1'): masked_run(rnn, x, np.full((2, 4), 0.5))
    with pytest.raises(ValueError, match='features=2'): masked_run(rnn, np.zeros((2, 4, 3)), np.ones((2, 4)))


def test_pad_codes():
    codes, mask = pad_codes([[5, 3, 8], [2], [7, 7]])
    assert codes.tolist() == [[5, 3, 8], [2, 0, 0], [7, 7, 0]] and mask.tolist() == [[1, 1, 1], [1, 0, 0], [1, 1, 0]]
    codes, mask = pad_codes([[5, 3], [2]], length=4, side='pre')
    assert codes.tolist() == [[0, 0, 5, 3], [0, 0, 0, 2]] and mask.sum() == 3


@pytest.mark.parametrize('args, message', [
    (([],), 'at least one sequence'), (([[1], []],), 'sequence 1 is empty'), (([[1, 2, 3]], 2), 'has 3 steps, more than length=2'),
    (([[1]], 0), 'length must be an integer >= 1'), (([[1]], None, 'left'), "side must be one of \\('post', 'pre'\\)")])
def test_pad_codes_bad_input(args, message):
    with pytest.raises(ValueError, match=message): pad_codes(*args)


@pytest.mark.parametrize('n, words', [(0, 'zero'), (7, 'seven'), (13, 'thirteen'), (40, 'forty'), (42, 'forty two'),
                                      (100, 'one hundred'), (312, 'three hundred and twelve'), (1000, 'one thousand'),
                                      (1005, 'one thousand and five'), (1100, 'one thousand one hundred'),
                                      (20_017, 'twenty thousand and seventeen'),
                                      (999_999, 'nine hundred and ninety nine thousand nine hundred and ninety nine')])
def test_number_words(n, words):
    assert number_words(n) == words


@pytest.mark.parametrize('bad', [-1, 1_000_000, 2.0, True, '12'])
def test_number_words_bad_input(bad):
    with pytest.raises(ValueError, match=r'n must be an integer >= 0 and <= 999999, got'): number_words(bad)


def test_numbers_by_length():
    nums = numbers_by_length(4, 30, seed=3)
    digits = np.array([len(str(n)) for n in nums])
    assert len(set(nums.tolist())) == len(nums) == 10 + 30 * 3
    assert [int((digits == d).sum()) for d in (1, 2, 3, 4)] == [10, 30, 30, 30]
    assert np.array_equal(nums, numbers_by_length(4, 30, seed=3))       # reproducible
    with pytest.raises(ValueError, match='max_digits'): numbers_by_length(7)


def test_every_number_word_is_in_the_vocabulary():
    for n in numbers_by_length(6, 200, seed=0): NUMBER_VOCAB.encode(number_words(int(n)))


def test_encode_and_decode_answers():
    codes, mask = encode_strings(['42', '7', '12345'])
    assert codes.shape == (3, 6) and codes[1, 1] == END and mask.sum(1).tolist() == [3, 2, 6]
    assert decode_answers(codes) == ['42', '7', '12345']
    seven, two = NUMBER_VOCAB.encode('72')
    assert decode_answers([[seven, END, two, two]]) == ['7']        # everything after the end symbol is ignored
    assert decode_answers([[seven, two, 0, 0]]) == ['72']           # no end symbol: the whole row, padding dropped
    q, qm = encode_strings(['forty two'], end=False)
    assert q.shape == (1, 9) and qm.sum() == 9


def test_exact_by_length():
    out = exact_by_length(['1', '22', '33', '4'], ['1', '22', '34', '5'])
    assert out == {1: {'exact': 0.5, 'n': 2}, 2: {'exact': 0.5, 'n': 2}}
    with pytest.raises(ValueError, match='3 answers for 2 questions'): exact_by_length(['1', '2', '3'], ['1', '2'])


def test_seq2seq_model_masks_make_padding_invisible():
    keras.utils.set_random_seed(0)
    V = len(NUMBER_VOCAB)
    q, qm = encode_strings(['forty two', 'seven'], end=False)
    x = keras.ops.convert_to_numpy(keras.ops.one_hot(q, V)) * qm[..., None]
    x_long = np.concatenate([x, np.zeros((2, 7, V), 'float32')], 1)
    prev = np.zeros((2, 3, V + 1), 'float32'); prev[:, 0, V] = 1
    for masks, same in ((True, True), (False, False)):
        m = seq2seq_model(V, 3, 8, masks=masks)
        gap = np.abs(keras.ops.convert_to_numpy(m([x, prev])) - keras.ops.convert_to_numpy(m([x_long, prev]))).max()
        assert (gap < 1e-6) == same, (masks, gap)
    answers = read_numbers(m, ['forty two', 'seven'])
    assert isinstance(answers, list) and len(answers) == 2 and isinstance(read_numbers(m, 'one'), str)


def test_segment_labels():
    chars, labels = segment_labels('return the  number.')
    assert chars == 'returnthenumber.' and labels.tolist() == [1, 0, 0, 0, 0, 0, 1, 0, 0, 1] + [0] * 6
    with pytest.raises(TypeError, match='sentence must be a string, got list'): segment_labels(['a'])
    with pytest.raises(ValueError, match="sentence '  ' has no words"): segment_labels('  ')


def test_boundary_f1():
    f = boundary_f1([[1, 0, 1, 0]], [[1, 1, 1, 0]])
    assert f['precision'] == pytest.approx(2 / 3) and f['recall'] == 1 and f['f1'] == pytest.approx(0.8)
    assert boundary_f1([1, 0, 1], [1, 0, 0], mask=[1, 1, 0])['f1'] == 1      # a masked position does not count
    assert boundary_f1([0, 0], [0, 0]) == {'precision': 0.0, 'recall': 0.0, 'f1': 0.0}
    with pytest.raises(ValueError, match='must have one shape'): boundary_f1([1, 0], [1, 0, 0])
    with pytest.raises(ValueError, match='y_pred must hold labels 0 and 1, got 2'): boundary_f1([1, 0], [2, 0])


@pytest.mark.parametrize('bi', [False, True])
def test_tagger_params_is_keras_count(bi):
    assert tagger(30, 12, bidirectional=bi, embed_dim=8).count_params() == tagger_params(30, 12, bi, embed_dim=8)
    assert tagger_params(40, 32, True) == 40 * 16 + 2 * param_count('GRU', 16, 32) + (64 + 1) * 2


def test_equal_units_and_dropout_arguments():
    u = equal_units(43, 48)
    assert abs(tagger_params(43, u) - tagger_params(43, 48, True)) <= abs(tagger_params(43, u + 1) - tagger_params(43, 48, True))
    assert u > 48
    with pytest.raises(ValueError, match='recurrent_dropout must be a finite number >= 0 and < 1, got 1'): tagger(10, 4, recurrent_dropout=1)
    assert [l.name for l in tagger(10, 4, output_dropout=0.2).layers] == ['embed', 'gru', 'output_dropout', 'output']
    assert reader(10, 4, masks=True).layers[0].mask_zero and not reader(10, 4, masks=False).layers[0].mask_zero


def test_length_batches_and_padded_batches():
    lengths = np.array([5, 1, 9, 3, 7, 2, 8, 4, 6, 10])
    for bucket in (False, True):
        batches = length_batches(lengths, 3, bucket, seed=1)
        assert sorted(np.concatenate(batches).tolist()) == list(range(10)) and [len(b) for b in batches].count(3) == 3
    spans = [np.ptp(lengths[b]) for b in length_batches(lengths, 3, True, seed=1)]
    assert max(spans) <= 2                                               # neighbours in length
    codes, mask = pad_codes([np.arange(1, n + 1) for n in lengths])
    data = PaddedBatches(codes, mask.astype(int), length_batches(lengths, 3, True, seed=1))
    for i in range(len(data)):
        x, y, w = data[i]
        assert x.shape[1] == (x > 0).sum(1).max() and np.array_equal(w, (x > 0).astype('float32'))
    assert PaddedBatches(codes, mask, [np.array([1])], trim=False)[0][0].shape == (1, 10)


def test_exercise_checkers(capsys):
    assert check('sequences-1', lambda seqs, T: pad_codes(seqs, T, 'pre')[0])
    assert check('sequences-2', lambda s: segment_labels(s)[1].tolist())
    assert check('sequences-3', tagger_params(40, 32, True))
    for ex, wrong, hint in [('sequences-1', lambda seqs, T: pad_codes(seqs, T, 'post')[0], 'zeros in front'),
                            ('sequences-2', lambda s: [1] * len(s), 'remove the spaces'),
                            ('sequences-3', tagger_params(40, 32, False), 'two GRUs')]:
        capsys.readouterr()
        assert not check(ex, wrong)
        assert hint in capsys.readouterr().out
