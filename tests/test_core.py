"Unit tests of the shared utilities: seeds, results files, colours."
import json
import numpy as np
import pytest
from seqcourse.core import set_seed, save_results, load_results, build_dir, Stopwatch
from seqcourse.plotting import model_color, MODEL_COLORS, save_figure


def test_set_seed_makes_numpy_and_tensorflow_repeatable():
    import tensorflow as tf
    set_seed(7); a, ta = np.random.rand(4), tf.random.uniform((3,)).numpy()
    set_seed(7); b, tb = np.random.rand(4), tf.random.uniform((3,)).numpy()
    assert np.array_equal(a, b) and np.array_equal(ta, tb)
    set_seed(8); assert not np.array_equal(a, np.random.rand(4))


@pytest.mark.parametrize('bad', [-1, 1.5, 'x', True])
def test_set_seed_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match='non-negative integer'): set_seed(bad)


def test_results_round_trip_with_numpy_values(build):
    p = save_results('demo', {'acc': np.float64(0.25), 'curve': np.array([1, 2]), 'ok': np.bool_(True)}, quick=True, seed=3)
    assert p == build/'results'/'demo.json' and p.parent == build_dir()/'results'
    doc = load_results('demo')
    assert doc['results'] == {'acc': 0.25, 'curve': [1, 2], 'ok': True}
    assert doc['quick'] is True and doc['seed'] == 3 and doc['versions']['numpy'] == np.__version__
    assert list(p.parent.iterdir()) == [p]  # no temporary file left behind


def test_results_errors(build):
    with pytest.raises(FileNotFoundError, match='seqcourse run nothing'): load_results('nothing')
    with pytest.raises(TypeError, match='dict'): save_results('demo', [1, 2])
    with pytest.raises(ValueError, match='plain name'): save_results('../escape', {})
    with pytest.raises(TypeError, match='cannot write object'): save_results('demo', {'x': object()})
    assert not (build/'results'/'demo.json').exists()


def test_model_colours_are_fixed_and_distinct():
    assert model_color('GRU') == '#d62728' and model_color('LSTM') == '#1f77b4' and model_color('SimpleRNN') == '#7f7f7f'
    assert len(set(MODEL_COLORS.values())) == len(MODEL_COLORS)
    with pytest.raises(KeyError, match='known models'): model_color('Transformer')


def test_save_figure_writes_png(build):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(); ax.plot([0, 1])
    p = save_figure(fig, 'demo', 'line')
    assert p == build/'figures'/'demo'/'line.png' and p.read_bytes()[:4] == b'\x89PNG'


def test_stopwatch_measures_time():
    with Stopwatch() as sw: sum(range(10000))
    assert sw.seconds is not None and sw.seconds >= 0
