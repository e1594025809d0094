"""Unit tests of seqcourse.speed: the CPU's peak arithmetic and its argument checks, the two clocks of `timed`, and
`busy_neighbours`, whose processes must be gone when its block ends."""
import time

import pytest

from seqcourse.speed import busy_neighbours, clock_ghz, peak_gflops, timed

def test_peak_is_cores_times_fma_units_times_lanes_times_two_times_clock():
    assert peak_gflops(2, 2.0, ['sse4_2', 'avx', 'avx2', 'fma']) == 2 * 2 * 8 * 2 * 2.0
    assert peak_gflops(4, 3.0, ['avx512f', 'avx2', 'fma']) == 4 * 2 * 16 * 2 * 3.0        # the widest registers count
    assert peak_gflops(1, 1.0, ['avx2', 'fma'], fma_units=1) == 16.0
    assert peak_gflops(2, 2.0, ['avx']) == 2 * 1 * 8 * 2 * 2.0                              # no FMA: one add, one multiply
    assert peak_gflops(1, 1.0, []) == 2.0


@pytest.mark.parametrize('args,match', [((0, 2.0, ['avx2']), 'cores must be an integer >= 1, got 0'),
                                        ((2, 0.0, ['avx2']), 'ghz'), ((2, -1, ['avx2']), 'ghz'),
                                        ((2.5, 2.0, ['avx2']), 'cores'), ((2, 2.0, ['avx2'], 0), 'fma_units')])
def test_peak_rejects_bad_arguments_by_name(args, match):
    with pytest.raises(ValueError, match=match): peak_gflops(*args)


def test_peak_rejects_a_string_of_extensions():
    with pytest.raises(TypeError, match="'avx2 fma'"): peak_gflops(2, 2.0, 'avx2 fma')


def test_clock_is_a_positive_number_or_unknown():
    ghz = clock_ghz()
    assert ghz is None or 0.1 < ghz < 10


def test_timed_reads_both_clocks():
    r = timed(sum, range(200_000))
    assert set(r) == {'wall', 'cpu', 'cores_busy', 'load_before'} and r['wall'] > 0 and r['cpu'] >= 0
    s = timed(time.sleep, 0.2)                      # sleeping takes wall-clock time, not CPU time
    assert s['wall'] >= 0.2 and s['cpu'] < 0.1 and s['cores_busy'] < 0.5
    with pytest.raises(TypeError, match='fn must be a function'): timed(3)


def test_busy_neighbours_run_inside_the_block_and_are_gone_after():
    with busy_neighbours(2) as procs:
        assert len(procs) == 2 and all(p.poll() is None for p in procs)
    assert all(p.poll() is not None for p in procs)
    with busy_neighbours(0) as procs: assert procs == []
    with pytest.raises(ValueError, match='n must be an integer >= 0, got -1'):
        with busy_neighbours(-1): pass
