"""The checkpoint loader fuzzed: whatever bytes a file holds (random, a real checkpoint cut
short or with bytes changed, or pickle opcodes strung together), ``load`` gives a model or
refuses with a CheckpointError in one line; no other exception, no warning, no file left
beside it, and the allowed functions of the restricted unpickler unchanged after it.

``GLOTTIS_FUZZ_EXAMPLES`` sets the examples per strategy (default 150, which keeps CI short;
the reported run used 2,500 per strategy, 10,000 files in all); the seed is fixed, so a run
is repeated exactly.
"""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch._utils
from hypothesis import given, seed
from hypothesis import strategies as st

from engine.checkpoints.errors import CheckpointError
from engine.checkpoints.loader import load
from engine.models.hifigan import build_hifigan
from tests.robustness.fuzzing import FUZZ, SEED
from tests.training.tiny_configs import tiny_hifigan


def _zip_generator() -> bytes:
    torch.manual_seed(0)
    buffer = io.BytesIO()
    torch.save({"generator": build_hifigan(tiny_hifigan()).state_dict()}, buffer)
    return buffer.getvalue()


def _legacy_container() -> bytes:
    """A Glow-TTS-style container in torch's legacy (non-zip) format, with a numpy scalar in
    its optimizer state, as the official train.py wrote it."""
    buffer = io.BytesIO()
    container = {
        "model": {"encoder.emb.weight": torch.zeros(4, 3)},
        "iteration": 7,
        "optimizer": {"lr": np.float64(1e-3)},
        "learning_rate": np.float64(1e-3),
    }
    torch.save(container, buffer, _use_new_zipfile_serialization=False)
    return buffer.getvalue()


REAL = {"zip": _zip_generator(), "legacy": _legacy_container()}
GUARDED = (
    torch._utils._rebuild_tensor_v2,
    torch._utils._rebuild_parameter,
)


def _state() -> list[tuple]:
    return [(f.__defaults__, f.__kwdefaults__, dict(vars(f))) for f in GUARDED]


def check_loads_or_refuses(folder: Path, content: bytes) -> None:
    before = _state()
    path = folder / "fuzzed.pth"
    path.write_bytes(content)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            load(path)
        except CheckpointError as error:
            assert str(error) and "\n" not in str(error).strip()
    assert [str(w.message) for w in said] == []  # the refusal is the one thing said
    assert sorted(p.name for p in folder.iterdir()) == ["fuzzed.pth"]
    assert _state() == before
    path.unlink()


@pytest.fixture
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@seed(SEED)
@FUZZ
@given(content=st.binary(min_size=0, max_size=4096))
def test_random_bytes(folder, content):
    check_loads_or_refuses(folder, content)


@seed(SEED)
@FUZZ
@given(kind=st.sampled_from(sorted(REAL)), fraction=st.floats(0, 1, exclude_max=True))
def test_a_real_checkpoint_cut_short(folder, kind, fraction):
    real = REAL[kind]
    check_loads_or_refuses(folder, real[: int(len(real) * fraction)])


@seed(SEED)
@FUZZ
@given(
    kind=st.sampled_from(sorted(REAL)),
    changes=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8
    ),
)
def test_a_real_checkpoint_with_bytes_changed(folder, kind, changes):
    data = bytearray(REAL[kind])
    for where, value in changes:
        data[int(len(data) * where)] = value
    check_loads_or_refuses(folder, bytes(data))


_NAMES = [
    b"torch._utils\n_rebuild_tensor_v2\n",
    b"torch._utils\n_rebuild_parameter\n",
    b"collections\nOrderedDict\n",
    b"builtins\nset\n",
    b"_codecs\nencode\n",
    b"glow\nWaveGlow\n",
    b"torch.nn.modules.conv\nConv1d\n",
    b"numpy.core.multiarray\nscalar\n",
    b"numpy\ndtype\n",
    b"os\nsystem\n",
    b"builtins\neval\n",
]
_OPCODES = [
    b"N",
    b"\x88",
    b"\x89",
    b")",
    b"]",
    b"}",
    b"(",
    b"t",
    b"l",
    b"d",
    b"\x85",
    b"\x86",
    b"\x87",
    b"s",
    b"u",
    b"a",
    b"e",
    b"R",
    b"b",
    b"0",
    b"1",
    b"2",
    b"\x81",
    b"\x94",
]


@st.composite
def pickles(draw) -> bytes:
    """Protocol-2 pickles built from opcodes, allowed and refused names, small ints and
    strings: what a crafted or damaged checkpoint's pickle can hold."""
    parts = [b"\x80\x02"]
    for _ in range(draw(st.integers(1, 40))):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            parts.append(b"c" + draw(st.sampled_from(_NAMES)))
        elif choice == 1:
            parts.append(draw(st.sampled_from(_OPCODES)))
        elif choice == 2:
            parts.append(b"J" + struct.pack("<i", draw(st.integers(-(2**31), 2**31 - 1))))
        else:
            text = draw(st.text(max_size=12)).encode("utf-8", "surrogatepass")
            parts.append(b"X" + struct.pack("<I", len(text)) + text)
    if draw(st.booleans()):
        parts.append(b".")
    return b"".join(parts)


@seed(SEED)
@FUZZ
@given(content=pickles())
def test_pickles_made_of_opcodes(folder, content):
    check_loads_or_refuses(folder, content)


def test_the_reference_files_load(tmp_path) -> None:
    """The fuzzing starts from files that load or are refused only for their contents, not
    for being unreadable (else it would test the unreadable path alone)."""
    path = tmp_path / "g.pth"
    path.write_bytes(REAL["zip"])
    assert load(path).family == "hifigan"
    path.write_bytes(REAL["legacy"])
    with pytest.raises(CheckpointError, match="holds no model weights|not a checkpoint of"):
        load(path)
