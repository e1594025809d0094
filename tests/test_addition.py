"Unit tests of seqcourse.addition: the character table, the problem generator, the model builder, solve and errors."
import numpy as np
import pytest
from seqcourse.data import UnknownSymbolError
from seqcourse.addition import (CharacterTable, query_width, answer_width, sample_pairs, format_query, format_answer,
                                make_data, split, accuracies, build_model, solve, count_carries, model_digits,
                                recipe_optimizer, StopWhenHeld, TimeBudget, train, guess_rows)
from seqcourse.exercises import check


@pytest.mark.parametrize('s', ['0', '12+5', '999+999', '', '  1+1', '+'])
def test_encode_decode_round_trip(s):
    t = CharacterTable()
    x = t.encode(s, 7)
    assert x.shape == (7, len(t)) and np.allclose(x.sum(-1), 1)
    assert t.decode(x, strip=False) == s.ljust(7)
    assert t.decode(x) == s.strip()
    assert t.decode(x.argmax(-1)) == s.strip()                      # integer codes decode the same way


def test_table_wraps_vocab_with_padding_code_zero():
    t = CharacterTable()
    assert t.chars == ' 0123456789+' and len(t) == 12
    assert t.encode(' ', 1).argmax() == 0
    probs = np.full((4, 12), 0.01); probs[np.arange(4), [2, 3, 1, 0]] = 0.9
    assert t.decode(probs) == '120'
    batch = t.encode_batch(['1+1', '23+4'], 7)
    assert batch.shape == (2, 7, 12) and t.decode_batch(batch) == ['1+1', '23+4']


def test_table_errors_name_the_offending_characters():
    t = CharacterTable()
    with pytest.raises(UnknownSymbolError, match=r"'-'.*'x'"): t.encode('1x-2', 7)
    with pytest.raises(ValueError, match='8 characters but the width is 7'): t.encode('1234+567', 7)
    with pytest.raises(ValueError, match='13 columns'): t.decode(np.zeros((4, 13)))


def test_widths():
    assert [(query_width(d), answer_width(d)) for d in (1, 3, 5)] == [(3, 2), (7, 4), (11, 6)]
    for bad in (0, 10, 2.5, True):
        with pytest.raises(ValueError, match='digits'): query_width(bad)


def test_generator_unique_seeded_and_in_range():
    p = sample_pairs(3000, 3, seed=1)
    keys = {tuple(sorted(x)) for x in p.tolist()}
    assert len(keys) == len(p) == 3000                               # a+b and b+a count once
    assert p.min() >= 0 and p.max() <= 999
    assert np.array_equal(p, sample_pairs(3000, 3, seed=1))
    assert not np.array_equal(p, sample_pairs(3000, 3, seed=2))
    lens = np.array([len(str(v)) for v in p.ravel()])
    assert set(lens) == {1, 2, 3} and (lens == 1).mean() > 0.1     # lengths drawn first: short numbers are common
    assert len(sample_pairs(27, 1)) == 27                            # close to the 55 one-digit pairs
    with pytest.raises(ValueError, match='at most 27'): sample_pairs(28, 1)


def test_queries_are_padded_then_reversed():
    assert format_query(12, 5, 3) == '   5+21'
    assert format_query(12, 5, 3, reverse=False) == '12+5   '
    assert format_query(999, 999, 3) == '999+999'
    assert format_answer(12, 5, 3) == '17  ' and format_answer(999, 999, 3) == '1998'
    with pytest.raises(ValueError, match='1234 has 4 digits'): format_query(1234, 5, 3)
    with pytest.raises(ValueError, match='non-negative'): format_query(-1, 5, 3)


def test_make_data_and_split():
    d = make_data(500, 3, reverse=True, seed=0)
    assert d.x.shape == (500, 7, 12) and d.y.shape == (500, 4, 12)
    t = CharacterTable()
    for i in range(0, 500, 50):
        a, b = d.pairs[i].tolist()
        assert t.decode(d.x[i])[::-1].strip() == f'{a}+{b}' and int(t.decode(d.y[i])) == a + b
    fwd = make_data(500, 3, reverse=False, seed=0)
    assert np.array_equal(fwd.pairs, d.pairs) and fwd.queries[0] == d.queries[0][::-1]
    tr, va = split(d, 0.1)
    assert (len(tr), len(va)) == (450, 50) and np.array_equal(va.pairs, d.pairs[450:])
    with pytest.raises(ValueError, match='val_fraction'): split(d, 1.5)


def test_accuracies():
    y = np.eye(3)[[[0, 1], [2, 2], [1, 0]]]
    p = np.eye(3)[[[0, 1], [2, 1], [0, 1]]]
    assert accuracies(y, p) == (0.5, pytest.approx(1 / 3))
    with pytest.raises(ValueError, match='differ in shape'): accuracies(y, p[:2])


def test_count_carries():
    assert [count_carries(a, b) for a, b in [(0, 0), (5, 5), (999, 1), (123, 456), (95, 5), (1, 9999)]] == [0, 1, 3, 0, 2, 4]
    with pytest.raises(ValueError, match='non-negative'): count_carries(-1, 1)


def test_build_model_shapes_and_errors():
    m = build_model('GRU', hidden=16, layers=2, digits=2, reverse=False)
    assert m.input_shape == (None, 5, 12) and m.output_shape == (None, 3, 12)
    assert model_digits(m) == 2 and m.reverse_input is False
    assert [l.name for l in m.layers][:4] == ['encoder', 'repeat', 'decoder1', 'decoder2']
    with pytest.raises(ValueError, match="'Transformer'"): build_model('Transformer')
    with pytest.raises(ValueError, match='hidden'): build_model(hidden=0)


class Oracle:
    "A stand-in for a trained model: decodes each query (as the model would read it) and returns the true sum."
    def __init__(self, digits, reverse):
        self.input_shape, self.reverse_input, self.table = (None, 2 * digits + 1, 12), reverse, CharacterTable()
        self.digits, self.seen = digits, []
    def predict(self, x, verbose=0):
        out = []
        for q in self.table.decode_batch(x, strip=False):
            self.seen.append(q)
            q = q[::-1] if self.reverse_input else q
            a, b = q.strip().split('+')
            out.append(self.table.encode(str(int(a) + int(b)), self.digits + 1))
        return np.stack(out)


@pytest.mark.parametrize('reverse', [True, False])
def test_solve_encodes_like_training_data(reverse):
    o = Oracle(3, reverse)
    assert solve(o, '123+45') == '168'
    assert solve(o, ['999+999', ' 1 + 2 ', '0+0']) == ['1998', '3', '0']
    assert o.seen[0] == format_query(123, 45, 3, reverse)


def test_solve_errors():
    o = Oracle(3, True)
    with pytest.raises(UnknownSymbolError, match=r"'\?'.*'a'"): solve(o, '12a+4?')
    with pytest.raises(ValueError, match='1234 has 4 digits.*at most 3'): solve(o, '1234+5')
    with pytest.raises(ValueError, match="looks like '123\\+45'"): solve(o, '12+')
    assert o.seen == []                                              # nothing reached the model


def test_solve_and_train_on_a_real_model():
    d = make_data(200, 2, seed=0)
    tr, va = split(d, 0.2)
    m = build_model('SimpleRNN', hidden=4, digits=2, optimizer=recipe_optimizer(2))
    run = train(m, tr, va, epochs=1, batch_size=128, hold=None)
    assert run['epochs'] == 1 and len(run['seconds']) == 1 and run['stopped_by'] == 'epoch limit'
    assert all(0 <= v <= 1 for v in run['val_exact'] + run['val_char'])
    g = solve(m, '12+34')
    assert isinstance(g, str) and len(g) <= 3 and set(g) <= set(' 0123456789+')
    rows = guess_rows(m, va, [0, 1])
    assert len(rows) == 2 and rows[0].startswith('Q ')
    with pytest.raises(ValueError, match='2-digit queries.*digits=3'): train(m, *split(make_data(100, 3), 0.2), epochs=1)


def test_stop_when_held_needs_consecutive_epochs():
    class M: stop_training = False
    cb = StopWhenHeld(0.9, hold=2)
    cb.set_model(M())
    for v, stop in [(0.95, False), (0.5, False), (0.95, False), (0.96, True)]:
        cb.on_epoch_end(0, {'val_exact_match': v})
        assert cb.model.stop_training is stop
    with pytest.raises(KeyError, match='val_exact_match'): StopWhenHeld().on_epoch_end(0, {'loss': 1.0})
    with pytest.raises(ValueError, match="'gpu'"): TimeBudget(10, clock='gpu')
    tb = TimeBudget(0.0, clock='wall'); tb.set_model(M()); tb.on_train_begin()
    tb.on_epoch_end(0, {})
    assert tb.exhausted and tb.model.stop_training


def test_exercise_checkers_reject_wrong_answers():
    assert check('addition-1', count_carries)
    assert not check('addition-1', lambda a, b: int(a % 10 + b % 10 >= 10))          # ignores carry chains
    assert check('addition-2', lambda a, b, d: format_query(a, b, d))
    assert not check('addition-2', lambda a, b, d: format_query(a, b, d, reverse=False))
    assert check('addition-3', accuracies)
    assert not check('addition-3', lambda t, p: accuracies(t, p)[::-1])
