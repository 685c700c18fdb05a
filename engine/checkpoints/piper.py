"""Import a Piper voice (``voice.onnx`` + ``voice.onnx.json``) as our torch VITS.

Piper (OHF-voice/piper1-gpl) trains the VITS of jaywalnut310/vits and exports its
``infer`` to ONNX with ``torch.onnx.export``. The export keeps most weights as
initializers under their VITS parameter names; the rest survive in other forms, which this
module undoes:

- the text embedding ``enc_p.emb.weight`` is named after the unused ``sid`` argument;
- the coupling flow's WN convolutions still had weight norm at export time, so the
  exporter folded ``g * v / ||v||`` into anonymous ``onnx::Conv_*`` tensors; their names
  are recovered from the Conv nodes that consume them (``/flow/flows.0/enc/in_layers.0/Conv``);
- ``dp.flows.0.logs`` (the SDP's ElementwiseAffine) only exists as the folded constant
  ``exp(-logs)`` that its reverse pass multiplies by.

Everything else in the graph is an exporter constant (shapes, indices, scalars).
The hyperparameters are read from the weight shapes and the Conv node attributes
(dilations, strides), so voices of any Piper quality import, not only the medium ones.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import metadata
from math import prod
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from engine.checkpoints.errors import VoiceImportError
from engine.families import FAMILIES
from engine.storage import file_sha256

if TYPE_CHECKING:  # ONNX takes a second to import; only an import of a voice reads it
    import onnx

# Bump when cards gain or change entries, so cached voices are converted again.
# 2: the front end keeps the voice's vowel_clusters.
CARD_VERSION = 2

# Weights that official VITS uses only for training; a Piper export has none of them.
# dp.flows.1 is the SDP's first ConvFlow, which the reverse (inference) pass skips.
TRAINING_ONLY_PREFIXES = ("enc_q.", "dp.post_", "dp.flows.1.")

# Piper's training settings: filter = window = 4 hops, 80 mels, 8192-sample segments. Only
# training and the posterior encoder (absent from an export) use them, so the graph lacks them.
_WINDOW_HOPS = 4
_N_MELS = 80
_SEGMENT_SIZE = 8192

_PIPER_INPUTS = ("input", "input_lengths", "scales")
_PARAM_NAME = re.compile(r"^[A-Za-z_]\w*(\.\w+)+$")
_FOLDED_EXP = re.compile(r"^/(?P<scope>.+)/Exp(_\d+)?_output_0$")
_WEIGHT_SLOTS = {
    ("Conv", 1): "weight",
    ("Conv", 2): "bias",
    ("ConvTranspose", 1): "weight",
    ("ConvTranspose", 2): "bias",
    ("Gather", 0): "weight",
}


@dataclass(frozen=True)
class PiperImport:
    """A Piper voice read into VITS terms.

    ``state_dict`` holds every inference weight under its official VITS name, with weight
    norm folded in (plain ``weight`` where official VITS has ``weight_g``/``weight_v``).
    ``constants`` names the ONNX initializers that are exporter constants, not weights, and
    ``recovered_from`` maps each weight the export left unnamed to its initializer.
    """

    state_dict: dict[str, torch.Tensor]
    config: dict[str, Any]
    card: dict[str, Any]
    constants: tuple[str, ...]
    recovered_from: dict[str, str]


def sidecar_path(onnx_path: Path) -> Path:
    """Piper keeps a voice's settings beside it as ``<name>.onnx.json``."""
    return onnx_path.with_name(onnx_path.name + ".json")


def import_piper(onnx_path: str | Path, *, package: str | None = None) -> PiperImport:
    """Read a Piper ``.onnx`` voice and its ``.onnx.json`` into VITS weights, config and card.

    ``package`` names the Python distribution the voice came from, for the card's source
    and licence. Raises :class:`VoiceImportError` with one sentence when the files are
    missing, unreadable or not a Piper VITS voice.
    """
    onnx_path = Path(onnx_path)
    if not onnx_path.is_file():
        raise VoiceImportError(f"Piper voice {onnx_path} does not exist.")
    settings = _read_settings(sidecar_path(onnx_path))
    graph = _load_graph(onnx_path)
    weights, constants, recovered = _recover_weights(graph, onnx_path)
    config = _vits_config(weights, _conv_attributes(graph), settings, onnx_path)
    n_vocab = _n_vocab(weights, settings, onnx_path)
    card = _card(onnx_path, settings, config, n_vocab, package)
    return PiperImport(weights, config, card, constants, recovered)


def _read_settings(json_path: Path) -> dict[str, Any]:
    if not json_path.is_file():
        raise VoiceImportError(
            f"Piper voice settings {json_path} are missing; "
            "a Piper voice needs its .onnx.json beside the .onnx."
        )
    try:
        settings = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise VoiceImportError(
            f"Piper voice settings {json_path} are not readable JSON ({e})."
        ) from e
    for key in ("audio", "num_symbols", "phoneme_id_map"):
        if key not in settings:
            raise VoiceImportError(f"Piper voice settings {json_path} lack the {key!r} entry.")
    if not _is_cluster_list(settings.get("vowel_clusters") or []):
        raise VoiceImportError(
            f"Piper voice settings {json_path} have vowel_clusters that are not "
            "a list of phoneme lists."
        )
    return settings


def _is_cluster_list(clusters: object) -> bool:
    return isinstance(clusters, list) and all(
        isinstance(c, list | str) and all(isinstance(p, str) for p in c) for c in clusters
    )


def _load_graph(onnx_path: Path) -> onnx.GraphProto:
    import onnx

    try:
        model = onnx.load(onnx_path, load_external_data=False)
    except Exception as e:  # protobuf raises its own DecodeError, or RuntimeError, by version
        raise VoiceImportError(
            f"{onnx_path} is not a readable ONNX model; it may be truncated or corrupt."
        ) from e
    inputs = {i.name for i in model.graph.input}
    missing = [name for name in _PIPER_INPUTS if name not in inputs]
    if missing:
        raise VoiceImportError(
            f"{onnx_path} is not a Piper VITS voice: its graph lacks the input {missing[0]!r}."
        )
    return model.graph


def _recover_weights(
    graph: onnx.GraphProto, onnx_path: Path
) -> tuple[dict[str, torch.Tensor], tuple[str, ...], dict[str, str]]:
    """Name every initializer: a VITS weight (returned under its name) or an exporter constant.

    ``recovered`` maps the VITS name of each weight that the export did not name to the
    initializer it came from.
    """
    from onnx import numpy_helper

    consumers = _consumers(graph)
    weights: dict[str, torch.Tensor] = {}
    recovered: dict[str, str] = {}
    constants: list[str] = []
    for tensor in graph.initializer:
        name = _vits_name(tensor, consumers)
        if name is None:
            constants.append(tensor.name)
            continue
        value = torch.from_numpy(np.array(numpy_helper.to_array(tensor), dtype=np.float32))
        if name.endswith(".logs") and _FOLDED_EXP.match(tensor.name):
            value = -torch.log(value)  # the graph kept exp(-logs)
        if name in weights:
            raise VoiceImportError(f"{onnx_path} holds two tensors for the VITS weight {name}.")
        weights[name] = value
        if name != tensor.name:
            recovered[name] = tensor.name
    _check_constants(graph, constants, onnx_path)
    return weights, tuple(constants), recovered


def _consumers(graph: onnx.GraphProto) -> dict[str, list[tuple[onnx.NodeProto, int]]]:
    consumers: dict[str, list[tuple[onnx.NodeProto, int]]] = {}
    for node in graph.node:
        for slot, name in enumerate(node.input):
            consumers.setdefault(name, []).append((node, slot))
    return consumers


def _vits_name(
    tensor: onnx.TensorProto, consumers: dict[str, list[tuple[onnx.NodeProto, int]]]
) -> str | None:
    """The VITS parameter an initializer holds, or None for an exporter constant."""
    from onnx import TensorProto

    if tensor.data_type not in {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE}:
        return None
    if _PARAM_NAME.match(tensor.name):
        return tensor.name
    for node, slot in consumers.get(tensor.name, []):
        kind = _WEIGHT_SLOTS.get((node.op_type, slot))
        if kind and node.name.startswith("/"):
            return f"{_module_path(node.name)}.{kind}"
    folded = _FOLDED_EXP.match(tensor.name)
    if folded and _is_elementwise_affine(folded["scope"], consumers):
        return f"{folded['scope'].replace('/', '.')}.logs"
    return None


def _module_path(node_name: str) -> str:
    """``/flow/flows.0/enc/in_layers.0/Conv`` -> ``flow.flows.0.enc.in_layers.0``."""
    return node_name.strip("/").rsplit("/", 1)[0].replace("/", ".")


def _is_elementwise_affine(scope: str, consumers: dict) -> bool:
    """Only ElementwiseAffine pairs a raw ``m`` with ``exp(-logs)`` in one scope."""
    return f"{scope.replace('/', '.')}.m" in consumers


def _check_constants(graph: onnx.GraphProto, constants: list[str], onnx_path: Path) -> None:
    """Exporter constants are shapes, indices and scalars; anything larger is a lost weight."""
    sizes = {t.name: prod(t.dims) for t in graph.initializer}
    for name in constants:
        if sizes[name] > 16:
            raise VoiceImportError(
                f"{onnx_path} holds a tensor {name!r} of {sizes[name]} values "
                "that is no known VITS weight."
            )


def _conv_attributes(graph: onnx.GraphProto) -> dict[str, dict[str, Any]]:
    """Attributes (dilations, strides, ...) of each Conv/ConvTranspose, by module path."""
    from onnx import helper

    return {
        _module_path(node.name): {a.name: helper.get_attribute_value(a) for a in node.attribute}
        for node in graph.node
        if node.op_type in ("Conv", "ConvTranspose") and node.name.startswith("/")
    }


def _require(weights: dict[str, torch.Tensor], name: str, onnx_path: Path) -> torch.Tensor:
    if name not in weights:
        raise VoiceImportError(f"{onnx_path} is not a Piper VITS voice: it has no {name} weight.")
    return weights[name]


def _count(weights: dict[str, torch.Tensor], pattern: str) -> int:
    """How many consecutive indices ``i`` have ``pattern.format(i)`` among the weights."""
    n = 0
    while pattern.format(n) in weights:
        n += 1
    return n


def _n_vocab(weights: dict[str, torch.Tensor], settings: dict[str, Any], onnx_path: Path) -> int:
    """The symbol count, which official configs leave out (``build_vits`` takes it apart)."""
    n_vocab = _require(weights, "enc_p.emb.weight", onnx_path).shape[0]
    if n_vocab != settings["num_symbols"]:
        raise VoiceImportError(
            f"{onnx_path} embeds {n_vocab} symbols but its .onnx.json says "
            f"num_symbols={settings['num_symbols']}."
        )
    return n_vocab


def _vits_config(
    weights: dict[str, torch.Tensor],
    convs: dict[str, dict[str, Any]],
    settings: dict[str, Any],
    onnx_path: Path,
) -> dict[str, Any]:
    """An official-style ``{"train", "data", "model"}`` config read from the weights and graph."""
    model = {**_encoder_config(weights, onnx_path), **_decoder_config(weights, convs, onnx_path)}
    n_speakers = weights["emb_g.weight"].shape[0] if "emb_g.weight" in weights else 0
    if max(n_speakers, 1) != settings.get("num_speakers", 1):
        raise VoiceImportError(
            f"{onnx_path} embeds {max(n_speakers, 1)} speakers but its .onnx.json says "
            f"num_speakers={settings.get('num_speakers')}."
        )
    model["gin_channels"] = weights["emb_g.weight"].shape[1] if n_speakers else 0
    model["use_sdp"] = "dp.flows.0.m" in weights
    model["n_layers_q"] = 16
    model["use_spectral_norm"] = False
    hop = prod(model["upsample_rates"])
    data = {
        "sampling_rate": int(settings["audio"]["sample_rate"]),
        "hop_length": hop,
        "filter_length": _WINDOW_HOPS * hop,
        "win_length": _WINDOW_HOPS * hop,
        "n_mel_channels": _N_MELS,
        "mel_fmin": 0.0,
        "mel_fmax": None,
        "max_wav_value": 32768.0,
        "add_blank": False,
        "n_speakers": n_speakers,
        "text_cleaners": [],
        "cleaned_text": True,
    }
    return {"train": {"segment_size": _SEGMENT_SIZE}, "data": data, "model": model}


def _encoder_config(weights: dict[str, torch.Tensor], onnx_path: Path) -> dict[str, Any]:
    emb = _require(weights, "enc_p.emb.weight", onnx_path)
    ffn = _require(weights, "enc_p.encoder.ffn_layers.0.conv_1.weight", onnx_path)
    rel_k = _require(weights, "enc_p.encoder.attn_layers.0.emb_rel_k", onnx_path)
    hidden = emb.shape[1]
    return {
        "inter_channels": _require(weights, "enc_p.proj.weight", onnx_path).shape[0] // 2,
        "hidden_channels": hidden,
        "filter_channels": ffn.shape[0],
        "n_heads": hidden // rel_k.shape[2],
        "n_layers": _count(weights, "enc_p.encoder.attn_layers.{}.conv_q.weight"),
        "kernel_size": ffn.shape[2],
        "p_dropout": 0.1,
    }


def _decoder_config(
    weights: dict[str, torch.Tensor], convs: dict[str, dict[str, Any]], onnx_path: Path
) -> dict[str, Any]:
    n_ups = _count(weights, "dec.ups.{}.weight")
    if n_ups == 0:
        raise VoiceImportError(
            f"{onnx_path} is not a Piper VITS voice: it has no dec.ups.0.weight."
        )
    resblock = "1" if "dec.resblocks.0.convs1.0.weight" in weights else "2"
    convs_name = "convs1" if resblock == "1" else "convs"
    n_kernels = _count(weights, f"dec.resblocks.{{}}.{convs_name}.0.weight") // n_ups
    kernel_sizes, dilations = [], []
    for j in range(n_kernels):
        kernel_sizes.append(weights[f"dec.resblocks.{j}.{convs_name}.0.weight"].shape[2])
        n_convs = _count(weights, f"dec.resblocks.{j}.{convs_name}.{{}}.weight")
        dilations.append(
            [convs[f"dec.resblocks.{j}.{convs_name}.{i}"]["dilations"][0] for i in range(n_convs)]
        )
    return {
        "resblock": resblock,
        "resblock_kernel_sizes": kernel_sizes,
        "resblock_dilation_sizes": dilations,
        "upsample_rates": [convs[f"dec.ups.{i}"]["strides"][0] for i in range(n_ups)],
        "upsample_initial_channel": _require(weights, "dec.conv_pre.weight", onnx_path).shape[0],
        "upsample_kernel_sizes": [weights[f"dec.ups.{i}.weight"].shape[2] for i in range(n_ups)],
    }


def _card(
    onnx_path: Path,
    settings: dict[str, Any],
    config: dict[str, Any],
    n_vocab: int,
    package: str | None,
) -> dict[str, Any]:
    inference = settings.get("inference", {})
    return {
        "card_version": CARD_VERSION,
        "name": onnx_path.name.removesuffix(".onnx"),
        "family": "vits",
        "sample_rate": config["data"]["sampling_rate"],
        "hop_length": config["data"]["hop_length"],
        "n_vocab": n_vocab,
        "config": config,
        "frontend": {
            "kind": "piper",
            "phoneme_type": settings.get("phoneme_type", "espeak"),
            "espeak_voice": settings.get("espeak", {}).get("voice"),
            "phoneme_id_map": settings["phoneme_id_map"],
            "vowel_clusters": _vowel_clusters(settings),
        },
        "inference": {
            name: float(inference.get(name, default))
            for name, default in FAMILIES["vits"].defaults.items()
        },
        "num_speakers": int(settings.get("num_speakers", 1)),
        "speaker_id_map": settings.get("speaker_id_map", {}),
        "source": _source(onnx_path, package),
        "licence": _licence(onnx_path, package),
        "weight_norm_folded": True,
        "inference_only": True,
    }


def _vowel_clusters(settings: dict[str, Any]) -> list[list[str]]:
    """The config's phoneme runs spoken as one phoneme, as lists of code points.

    Piper reads each entry with ``tuple(entry)``, so a string entry is its code points.
    """
    return sorted(list(cluster) for cluster in settings.get("vowel_clusters") or [])


def _source(onnx_path: Path, package: str | None) -> dict[str, Any]:
    source: dict[str, Any] = {
        "format": "piper-onnx",
        "path": str(onnx_path.absolute()),
        "sha256": file_sha256(onnx_path),
    }
    if package:
        meta = metadata.metadata(package)
        source.update(package=package, package_version=meta["Version"])
        urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [] if ", " in u)
        if "Source" in urls:
            source["upstream"] = urls["Source"]
    return source


def _licence(onnx_path: Path, package: str | None) -> dict[str, Any]:
    """The voice's licence as its MODEL_CARD (rhasspy/piper-voices layout) states it.

    The only licence a piper-voices card states is its dataset's (``License: CC0``); it is
    recorded as the voice's, beside the licence of the package that bundled the files.
    """
    card_path = onnx_path.with_name("MODEL_CARD")
    licence: dict[str, Any] = {"voice": "unknown", "from": None}
    if card_path.is_file():
        match = re.search(
            r"^\W*Licen[cs]e:\s*(.+?)\s*$",
            card_path.read_text(encoding="utf-8"),
            re.IGNORECASE | re.MULTILINE,
        )
        if match:
            licence = {"voice": match[1], "from": str(card_path.absolute())}
    if package:
        meta = metadata.metadata(package)
        licence["package"] = meta.get("License-Expression") or meta.get("License") or "unknown"
    return licence
