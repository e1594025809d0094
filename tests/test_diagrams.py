"The schematic diagrams draw in the course's colours and refuse sizes they cannot draw."
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from seqcourse.diagrams import gru_diagram, lstm_diagram, rnn_diagram, seq2seq_diagram
from seqcourse.plotting import model_color


def _edge_colors(fig):
    return {to_hex(p.get_edgecolor()) for p in fig.axes[0].patches}


@pytest.mark.parametrize('draw,model', [(rnn_diagram, 'SimpleRNN'), (lstm_diagram, 'LSTM'), (gru_diagram, 'GRU')])
def test_cells_use_the_model_colour(draw, model):
    fig = draw()
    assert model_color(model) in _edge_colors(fig)
    plt.close(fig)


def test_unrolled_rnn_has_one_box_per_step():
    boxes = [p for p in rnn_diagram(steps=4).axes[0].patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 1 + 4   # the folded cell, then one per step
    plt.close('all')


def test_attention_draws_every_encoder_state_to_every_decoder_step():
    plain, att = seq2seq_diagram('1+2', '3'), seq2seq_diagram('1+2', '3', attention=True)
    faint = [p for p in att.axes[0].patches if isinstance(p, FancyArrowPatch) and (p.get_alpha() or 1) < 1]
    assert len(faint) == 3 * 1                 # every encoder state to the one decoder step
    assert not any((p.get_alpha() or 1) < 1 for p in plain.axes[0].patches)
    plt.close('all')


@pytest.mark.parametrize('call,needle', [(lambda: rnn_diagram(steps=1), 'steps'), (lambda: rnn_diagram(steps=True), 'steps'),
                                         (lambda: seq2seq_diagram(query=''), 'query'), (lambda: seq2seq_diagram(answer=5), 'answer')])
def test_bad_sizes_are_refused(call, needle):
    with pytest.raises((ValueError, TypeError), match=needle): call()
