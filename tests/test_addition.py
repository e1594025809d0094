"Unit tests of seqcourse.addition: the character table, the problem generator, the model builder, solve and errors."
import time

import numpy as np
import pytest
from seqcourse.data import UnknownSymbolError
from seqcourse.addition import (CharacterTable, query_width, answer_width, sample_pairs, format_query, format_answer,
                                make_data, split, accuracies, build_model, solve, count_carries, model_digits,
                                recipe_optimizer, reads_reversed, train, guess_rows, show_guesses, parse_query)
from seqcourse.core import set_seed
from seqcourse.models import encoder_decoder, save_model, load_model
from seqcourse.training import StopWhenHeld, TimeBudget
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
    with pytest.raises(ValueError, match='n must be an integer >= 1 and <= 27, got 28.*55 distinct'): sample_pairs(28, 1)


def test_queries_are_padded_then_reversed():
    assert format_query(12, 5, 3) == '   5+21'
    assert format_query(12, 5, 3, reverse=False) == '12+5   '
    assert format_query(999, 999, 3) == '999+999'
    assert format_answer(12, 5, 3) == '17  ' and format_answer(999, 999, 3) == '1998'
    with pytest.raises(ValueError, match='1234 has 4 digits'): format_query(1234, 5, 3)
    with pytest.raises(ValueError, match='a must be an integer >= 0, got -1'): format_query(-1, 5, 3)
    with pytest.raises(ValueError, match='b must be an integer'): format_query(1, 2.0, 3)


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
    with pytest.raises(ValueError, match='a must be an integer >= 0, got -1'): count_carries(-1, 1)


def test_build_model_shapes_and_errors():
    m = build_model('GRU', units=16, decoder_layers=2, digits=2, reverse=False)
    assert m.input_shape == (None, 5, 12) and m.output_shape == (None, 3, 12)
    assert model_digits(m) == 2 and m.meta['reverse'] is False and reads_reversed(m) is False
    assert [l.name for l in m.layers][:4] == ['encoder', 'repeat', 'decoder1', 'decoder2']
    assert build_model('gru', units=4).get_layer('encoder').__class__.__name__ == 'GRU'      # any case, as cell_name
    with pytest.raises(ValueError, match="'Transformer'"): build_model('Transformer')
    with pytest.raises(ValueError, match='units'): build_model(units=0)
    with pytest.raises(ValueError, match='decoder_layers'): build_model(decoder_layers=0)
    with pytest.raises(ValueError, match='n_chars'): build_model(n_chars=True)


@pytest.mark.parametrize('cell, units, decoder_layers, digits', [('LSTM', 8, 1, 3), ('GRU', 6, 2, 2), ('SimpleRNN', 5, 1, 4)])
def test_build_model_is_the_shared_encoder_decoder(cell, units, decoder_layers, digits):
    set_seed(0)
    m = build_model(cell, units, decoder_layers, digits)
    set_seed(0)
    ref = encoder_decoder(12, cell=cell, units=units, length=2 * digits + 1, out_length=digits + 1,
                          decoder_layers=decoder_layers, unroll=True)
    assert [(l.name, type(l).__name__, l.count_params()) for l in m.layers] == \
           [(l.name, type(l).__name__, l.count_params()) for l in ref.layers]
    assert all(np.array_equal(a, b) for a, b in zip(m.get_weights(), ref.get_weights()))   # same layers, same order
    assert m.loss == 'categorical_crossentropy'                                            # compiled the chapter's way


class Oracle:
    "A stand-in for a trained model: decodes each query (as the model would read it) and returns the true sum."
    def __init__(self, digits, reverse):
        self.input_shape, self.table = (None, 2 * digits + 1, 12), CharacterTable()
        self.reads, self.meta = reverse, {'reverse': reverse}         # what it really reads; what it says it reads
        self.digits, self.seen = digits, []
    def predict(self, x, verbose=0):
        out = []
        for q in self.table.decode_batch(x, strip=False):
            self.seen.append(q)
            q = q[::-1] if self.reads else q
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


def test_solve_reads_reverse_from_meta_and_refuses_to_guess():
    o = Oracle(3, False)                                             # meta as build_model and load_model give it
    assert solve(o, '123+45') == '168' and o.seen[-1] == format_query(123, 45, 3, reverse=False)
    o.meta = {}                                                      # a model that does not say is not guessed at
    with pytest.raises(ValueError, match='reverse=True or reverse=False'): solve(o, '1+2')
    assert solve(o, '1+2', reverse=False) == '3'                     # passing reverse= always works
    o.reverse_input = False                                          # the attribute older models carried
    assert solve(o, '12+5') == '17' and o.seen[-1] == '12+5   '


@pytest.mark.filterwarnings('ignore:Skipping variable loading for optimizer')   # saved before any training
def test_saved_model_with_meta_answers_without_reverse(tmp_path):
    reverse = False                                                  # a reloaded model used to be fed reversed queries
    set_seed(0)
    m = build_model('LSTM', 16, digits=2, reverse=reverse)
    d = make_data(40, 2, reverse=reverse, seed=0)
    queries = [f'{a}+{b}' for a, b in d.pairs.tolist()]
    table = CharacterTable()
    right = table.decode_batch(m.predict(d.x, verbose=0))                      # the model fed as it was built to read
    wrong = table.decode_batch(m.predict(make_data(pairs=d.pairs, digits=2, reverse=not reverse).x, verbose=0))
    assert right != wrong                                                     # the orientation changes its answers
    save_model(m, tmp_path / 'adder.keras', None, meta=m.meta)
    loaded, vocab = load_model(tmp_path / 'adder.keras')
    assert vocab is None and loaded.meta == {'reverse': reverse, 'digits': 2} and reads_reversed(loaded) is reverse
    assert solve(loaded, queries) == right                                    # no reverse= needed after reloading
    assert solve(loaded, queries, reverse=not reverse) == wrong


def test_solve_and_train_on_a_real_model(capsys):
    d = make_data(200, 2, seed=0)
    tr, va = split(d, 0.2)
    m = build_model('SimpleRNN', units=4, digits=2, optimizer=recipe_optimizer(2))
    run = train(m, tr, va, epochs=2, batch_size=128, hold=None, show=1)
    assert run['epochs'] == 2 and len(run['seconds']) == len(run['cpu_seconds']) == 2 and run['stopped_by'] == 'epoch limit'
    assert 0 < run['seconds'][0] < run['seconds'][1]                  # seconds since training began
    assert run['seconds_per_epoch'] == pytest.approx(run['seconds'][-1] / 2, abs=0.01)
    out = capsys.readouterr().out.splitlines()                       # show_guesses: a score line and ten rows per epoch
    assert [l.split(' (')[0] for l in out if l.startswith('epoch')] == ['epoch 1', 'epoch 2']
    assert sum(l.startswith('Q ') for l in out) == 20
    assert all(0 <= v <= 1 for v in run['val_exact'] + run['val_char'])
    g = solve(m, '12+34')
    assert isinstance(g, str) and len(g) <= 3 and set(g) <= set(' 0123456789+')
    rows = guess_rows(m, va, [0, 1])
    assert len(rows) == 2 and rows[0].startswith('Q ')
    with pytest.raises(ValueError, match='2-digit queries.*digits=3'): train(m, *split(make_data(100, 3), 0.2), epochs=1)


def test_shared_callbacks_stop_as_train_expects():
    "StopWhenHeld and TimeBudget (seqcourse.training) are what `train` stops with."
    class M: stop_training = False
    cb = StopWhenHeld(0.9, hold=2)
    cb.set_model(M())
    for v, stop in [(0.95, False), (0.5, False), (0.95, False), (0.96, True)]:
        cb.on_epoch_end(0, {'val_exact_match': v})
        assert cb.model.stop_training is stop
    with pytest.raises(KeyError, match='val_exact_match'): StopWhenHeld().on_epoch_end(0, {'loss': 1.0})
    with pytest.raises(ValueError, match="'gpu'"): TimeBudget(10, clock='gpu')
    tb = TimeBudget(1e-6, clock='wall'); tb.set_model(M()); tb.on_train_begin()
    time.sleep(0.01); tb.on_epoch_end(0, {})
    assert tb.exhausted and tb.model.stop_training


def test_exercise_checkers_reject_wrong_answers():
    assert check('addition-1', count_carries)
    assert not check('addition-1', lambda a, b: int(a % 10 + b % 10 >= 10))          # ignores carry chains
    assert check('addition-2', lambda a, b, d: format_query(a, b, d))
    assert not check('addition-2', lambda a, b, d: format_query(a, b, d, reverse=False))
    assert check('addition-3', accuracies)
    assert not check('addition-3', lambda t, p: accuracies(t, p)[::-1])


def test_no_silent_wrong_results_in_the_public_api():
    "Bad input is refused with an error that names the value, never turned into another problem."
    from seqcourse.addition import check_pairs
    with pytest.raises(ValueError, match=r'integers.*1\.7'): make_data(pairs=[[1.7, 2.2]])
    with pytest.raises(ValueError, match=r'integers.*True'): make_data(pairs=[[True, 2]])
    with pytest.raises(ValueError, match=r'non-negative.*-3'): make_data(pairs=[[-3, 2]])
    with pytest.raises(ValueError, match=r'shape \(n, 2\).*\(0,\)'): make_data(pairs=[])
    with pytest.raises(ValueError, match=r'shape \(n, 2\).*\(1, 3\)'): make_data(pairs=[[1, 2, 3]])
    with pytest.raises(ValueError, match='1234 has 4 digits'): make_data(pairs=[[1234, 1]], digits=3)
    assert check_pairs([[1, 2], [30, 4]]).tolist() == [[1, 2], [30, 4]]
    with pytest.raises(ValueError, match="pad must be one character.*got ''"): CharacterTable(pad='')
    with pytest.raises(ValueError, match="pad must be one character.*got '--'"): CharacterTable(pad='--')
    with pytest.raises(ValueError, match="pad must be one character.*got '1'"): CharacterTable(pad='1')
    with pytest.raises(ValueError, match='chars must be a non-empty str'): CharacterTable('')
    with pytest.raises(ValueError, match='distinct'): CharacterTable('0012')
    with pytest.raises(ValueError, match='a must be an integer >= 0, got 1.7'): format_answer(1.7, 2, 3)
    with pytest.raises(ValueError, match='no problems to score'): accuracies(np.zeros((0, 4)), np.zeros((0, 4)))
    with pytest.raises(ValueError, match='at least 2 problems'): split(make_data(pairs=[[1, 2]]), 0.5)
    with pytest.raises(ValueError, match='lr must be a finite number > 0, got -1'): recipe_optimizer(10, lr=-1)
    with pytest.raises(ValueError, match='decay'): recipe_optimizer(10, decay=0)
    with pytest.raises(ValueError, match='clipnorm'): recipe_optimizer(10, clipnorm=float('nan'))
    o = Oracle(3, True)
    with pytest.raises(ValueError, match='no queries'): solve(o, [])
    with pytest.raises(ValueError, match="reverse must be True, False or None, got 'no'"): solve(o, '1+2', reverse='no')
    with pytest.raises(TypeError, match='expected a str, got int'): solve(o, [12])
    o.meta = {'reverse': 'False'}                                    # a hand-edited settings file: not guessed at
    with pytest.raises(ValueError, match="'reverse' setting must be True or False, got 'False'"): solve(o, '1+2')
    assert o.seen == []


@pytest.mark.filterwarnings('ignore:Skipping variable loading for optimizer')
@pytest.mark.parametrize('reverse', [True, False])
def test_save_load_solve_round_trip_keeps_the_orientation(tmp_path, reverse):
    "save_model(meta=model.meta) -> load_model -> solve feeds the reloaded model the queries it was built to read."
    set_seed(1)
    m = build_model('GRU', 8, digits=2, reverse=reverse)
    save_model(m, tmp_path / 'm.keras', None, meta=m.meta)
    loaded, _ = load_model(tmp_path / 'm.keras')
    qs = ['12+5', '99+99', '0+7']
    assert reads_reversed(loaded) is reverse
    assert solve(loaded, qs) == solve(m, qs)
    assert solve(loaded, qs) == solve(m, qs, reverse=reverse)


def test_parse_query_returns_operands_and_names_what_is_wrong():
    assert parse_query('123+45', 3) == (123, 45) and parse_query(' 1 + 002 ', 3) == (1, 2)
    assert parse_query('007+1', 1) == (7, 1)                               # leading zeros do not count as digits
    with pytest.raises(ValueError, match='operand 1234 has 4 digits, but this model reads at most 3'): parse_query('1234+5', 3)
    with pytest.raises(ValueError, match="looks like '123\\+45'.*got '12\\+'"): parse_query('12+', 3)
    with pytest.raises(UnknownSymbolError, match=r"'a'"): parse_query('12a+4', 3)
    with pytest.raises(TypeError, match='expected a str, got int'): parse_query(12, 3)
    with pytest.raises(ValueError, match='digits must be an integer'): parse_query('1+2', 0)
