"The shared model tools: cell names, layer factory, weight counts, builders, the model file format."
import json
import numpy as np
import pytest
import keras
from seqcourse.core import set_seed
from seqcourse.data import Vocab
from seqcourse.models import (CELLS, cell_name, recurrent_layer, param_count, many_to_one, many_to_many, encoder_decoder,
                              save_model, load_model)


@pytest.mark.parametrize('cell', CELLS)
@pytest.mark.parametrize('m, n', [(1, 1), (3, 7), (26, 16)])
def test_param_count_matches_keras(cell, m, n):
    for ra in ((True, False) if cell == 'GRU' else (True,)):
        layer = recurrent_layer(cell, n, **({'reset_after': ra} if cell == 'GRU' else {}))
        layer.build((None, None, m))
        assert param_count(cell, m, n, ra) == layer.count_params()


def test_cell_names_are_case_insensitive_and_checked():
    assert [cell_name(c.upper()) for c in CELLS] == list(CELLS)
    for bad in ('RNN', '', None, 3):
        with pytest.raises(ValueError, match='cell must be one of'): cell_name(bad)
    with pytest.raises(ValueError, match='units must be an integer'): recurrent_layer('GRU', True)


def test_builders_shapes_names_and_inputs():
    m = many_to_one(10, cell='LSTM', units=[8, 4], length=6)
    assert m.output_shape == (None, 10) and [l.name for l in m.layers] == ['rnn1', 'rnn2', 'output']
    assert m.get_layer('rnn1').return_sequences and not m.get_layer('rnn2').return_sequences
    m = many_to_many(10, cell='GRU', units=5, inputs='codes', embed_dim=3, output_activation=None)
    assert m.output_shape == (None, None, 10) and m.layers[-1].activation.__name__ == 'linear'
    m = many_to_one(12, cell='SimpleRNN', units=4, inputs=1, length=3, activation='relu')
    assert m.input_shape == (None, 3, 1) and m.get_layer('rnn1').activation.__name__ == 'relu'
    m = encoder_decoder(12, cell='GRU', units=6, length=7, out_length=4, decoder_layers=2, unroll=True)
    assert m.output_shape == (None, 4, 12) and [l.name for l in m.layers][:3] == ['encoder', 'repeat', 'decoder1']


@pytest.mark.parametrize('kw, msg', [(dict(units=0), 'units'), (dict(inputs='bytes'), 'inputs'), (dict(inputs='codes'), 'embed_dim'),
                                     (dict(cell='CNN'), 'cell'), (dict(units=[4, True]), 'units')])
def test_builders_refuse_bad_arguments(kw, msg):
    with pytest.raises(ValueError, match=msg): many_to_one(5, **kw)


def test_builders_never_reseed():
    set_seed(3); a = many_to_one(5, cell='GRU', units=4).get_weights()
    b = many_to_one(5, cell='GRU', units=4).get_weights()           # the global generator moved on
    set_seed(3); c = many_to_one(5, cell='GRU', units=4).get_weights()
    assert all(np.array_equal(x, z) for x, z in zip(a, c)) and not all(np.array_equal(x, y) for x, y in zip(a, b))


def test_save_and_load_round_trip_and_refusals(tmp_path):
    v = Vocab.from_text('abc cab')
    m = many_to_many(len(v), cell='LSTM', units=4, inputs='codes', embed_dim=2)
    p = save_model(m, tmp_path/'m.keras', v, meta={'reverse': True})
    m2, v2 = load_model(p)
    x = v.encode('cab')[None]
    assert np.allclose(m(x), m2(x)) and v2.symbols == v.symbols and m2.meta == {'reverse': True}
    assert sorted(f.name for f in tmp_path.iterdir()) == ['m.keras', 'm.vocab.json']
    with pytest.raises(ValueError, match=r'\.keras'): save_model(m, tmp_path/'m.h5', v)
    with pytest.raises(TypeError): save_model(m, tmp_path/'n.keras', v, meta={'f': object()})
    assert not (tmp_path/'n.keras').exists() and not (tmp_path/'n.vocab.json').exists()   # nothing half-written
    side = tmp_path/'m.vocab.json'
    doc = json.loads(side.read_text()); doc['vocab']['symbols'] = doc['vocab']['symbols'][::-1]; side.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match='checksum'): load_model(p)
    side.write_text('not json')
    with pytest.raises(ValueError, match='not a valid vocabulary file'): load_model(p)
    side.unlink()
    with pytest.raises(FileNotFoundError, match='no vocabulary'): load_model(p)
    (tmp_path/'bad.keras').write_text('garbage'); (tmp_path/'bad.vocab.json').write_text(json.dumps({'format': 'seqcourse-model/1', 'vocab': None, 'meta': {}}))
    with pytest.raises(ValueError, match='cannot be loaded as a Keras model'): load_model(tmp_path/'bad.keras')
    with pytest.raises(FileNotFoundError, match='no model file'): load_model(tmp_path/'none.keras')
