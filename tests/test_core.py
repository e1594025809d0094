"Unit tests of the shared utilities: seeds, results files, colours."
import json
from pathlib import Path

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


@pytest.mark.parametrize('bad', [-1, 1.5, 'x', True, 2**32])
def test_set_seed_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match='seed must be an integer >= 0'): set_seed(bad)


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


def test_argument_checks_refuse_booleans_and_name_the_argument():
    from seqcourse.core import check_int, check_number, check_fraction, check_probability, check_choice
    assert check_int('units', np.int64(3)) == 3 and type(check_int('units', np.int64(3))) is int
    for bad in (True, False, 0, 1.0, '2', None):
        with pytest.raises(ValueError, match=r"units must be an integer >= 1, got"): check_int('units', bad)
    with pytest.raises(ValueError, match=r"k must be an integer >= 0 and <= 3, got 4"): check_int('k', 4, min=0, max=3)
    assert check_number('lr', 1) == 1.0
    for bad in (True, float('inf'), float('nan'), 'x', None, 0):
        with pytest.raises(ValueError, match='lr must be a finite number > 0'): check_number('lr', bad, 0, min_open=True)
    for bad in (0, 1, -0.1, 1.5):
        with pytest.raises(ValueError, match='val_fraction'): check_fraction('val_fraction', bad)
    assert check_probability('p', 0) == 0.0 and check_probability('p', 1) == 1.0
    with pytest.raises(ValueError, match="cell must be one of"): check_choice('cell', 'rnn', ('SimpleRNN', 'LSTM'))


def test_sigmoid_and_softmax_are_stable():
    from seqcourse.core import sigmoid, softmax
    z = np.array([-1000.0, -3.0, 0.0, 2.5, 1000.0])
    with np.errstate(all='raise'):
        s = sigmoid(z); p = softmax(np.array([[1000.0, 999.0], [-1000.0, -1000.0]]))
    assert np.allclose(s[1:4], 1 / (1 + np.exp(-z[1:4]))) and s[0] == 0 and s[-1] == 1
    assert np.allclose(p.sum(-1), 1) and np.allclose(p[1], 0.5)


def test_stopwatch_as_context_manager_and_as_a_started_clock():
    import time
    with Stopwatch() as sw: time.sleep(0.01)
    assert sw.seconds >= 0.009
    clock = Stopwatch().start(); time.sleep(0.01)
    first = clock.elapsed(); assert first >= 0.009 and clock.seconds is None
    assert clock.stop() >= first and clock.elapsed() == clock.seconds


def test_cached_json_computes_once_per_key_and_survives_a_damaged_file(build):
    from seqcourse.core import cached_json
    calls = []
    def compute(): calls.append(1); return {'x': np.arange(2)}
    assert cached_json('demo', {'a': 1}, compute) == {'x': [0, 1]}
    assert cached_json('demo', {'a': 1}, compute) == {'x': [0, 1]} and len(calls) == 1
    cached_json('demo', {'a': 2}, compute); assert len(calls) == 2
    for f in (build/'cache').glob('demo-*.json'): f.write_text('{broken')
    assert cached_json('demo', {'a': 1}, compute) == {'x': [0, 1]} and len(calls) == 3
    with pytest.raises(ValueError, match='plain name'): cached_json('../x', {}, compute)


def test_results_record_the_cpu_and_its_vector_extensions(tmp_path, monkeypatch):
    from seqcourse.core import cpu_info, VECTOR_FLAGS
    monkeypatch.setenv('SEQCOURSE_BUILD', str(tmp_path))
    info = cpu_info()
    assert set(info) == {'model', 'machine', 'cores', 'vector_extensions'} and info['model']
    assert set(info['vector_extensions']) <= set(VECTOR_FLAGS)
    flags = Path('/proc/cpuinfo').read_text() if Path('/proc/cpuinfo').exists() else ''
    if ' avx2' in flags: assert 'avx2' in info['vector_extensions']
    if ' avx512f' not in flags: assert 'avx512f' not in info['vector_extensions']
    doc = json.loads(save_results('cpu_demo', {'x': 1}).read_text())
    assert doc['cpu'] == info and doc['versions'] and doc['results'] == {'x': 1}


def test_softmax_and_sigmoid_refuse_what_has_no_answer():
    from seqcourse.core import sigmoid, softmax
    assert np.allclose(softmax([[-np.inf, 0.0]]), [[0, 1]])       # -inf is a masked score, not an error
    for bad, match in [([], 'empty'), ([1.0, np.nan], 'NaN'), ([1.0, np.inf], 'inf'), (['a'], 'numbers')]:
        with pytest.raises(ValueError, match=match): softmax(bad)
    with pytest.raises(ValueError, match='axis'): softmax([1.0, 2.0], axis=3)
    with pytest.raises(ValueError, match='NaN'): sigmoid([np.nan])
    with pytest.raises(ValueError, match='seed'): save_results('demo', {}, seed=-1)
    with pytest.raises(ValueError, match='plain name'): load_results('../../etc/passwd')
    with pytest.raises(RuntimeError, match='start'): Stopwatch().stop()
