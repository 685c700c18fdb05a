"""Project folders: what is saved opens again, whole; a damaged one says what is wrong."""

import json

import numpy as np
import pytest

from studio import project as projects


def _take(text: str, durations: list[int]) -> projects.Take:
    tokens = ["^", "_", "a", "_", "$"][: len(durations)]
    plan = {
        "text": text,
        "phonemes": ["a"],
        "tokens": tokens,
        "ids": list(range(len(tokens))),
        "predicted": list(durations),
        "durations": list(durations),
    }
    utterance = {
        "text": text,
        "sentences": [plan],
        "seed": 7,
        "controls": {"noise_scale": 0.5},
        "voice": "v",
        "speaker": None,
    }
    return projects.Take.from_message(utterance)


def test_save_and_open_keep_text_durations_seeds_and_audio(tmp_path):
    take = _take("Hi.", [2, 1, 3, 1, 2]).with_durations([2, 1, 4, 1, 1])
    audio = np.linspace(-0.5, 0.5, 9 * 256, dtype=np.float32)
    spans = [(0, 512), (512, 768), (768, 1792), (1792, 2048), (2048, 2304)]
    take.remember(take.durations, projects.Rendered(audio, 22050, spans, None))
    project = projects.Project(
        text="Hi.", takes=[take], voice="v", controls={"noise_scale": 0.5}, seed=7
    )
    projects.save(project, tmp_path / "p")
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["project.json", "takes"]
    opened = projects.load(tmp_path / "p")
    assert opened.text == "Hi." and opened.voice == "v" and opened.seed == 7
    assert opened.takes[0].durations == (2, 1, 4, 1, 1)
    assert opened.takes[0].predicted == (2, 1, 3, 1, 2)
    assert np.allclose(opened.takes[0].rendered.audio, audio, atol=1e-4)
    assert opened.takes[0].rendered.spans == spans


def test_saving_again_leaves_no_temporary_or_stale_files(tmp_path):
    project = projects.Project(text="a", takes=[_take("a", [1, 1, 1])])
    take = project.takes[0]
    take.remember(take.durations, projects.Rendered(np.zeros(768, np.float32), 22050, [], None))
    projects.save(project, tmp_path)
    project.takes = []
    projects.save(project, tmp_path)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["project.json"]


def test_damaged_or_foreign_projects_are_refused_with_a_reason(tmp_path):
    with pytest.raises(projects.ProjectError, match="not a project"):
        projects.load(tmp_path)
    (tmp_path / "project.json").write_text("{not json")
    with pytest.raises(projects.ProjectError, match="project.json is not valid JSON"):
        projects.load(tmp_path)
    (tmp_path / "project.json").write_text('{"format": "glottis-project", "seed": NaN}')
    with pytest.raises(projects.ProjectError, match="holds NaN, which JSON does not allow"):
        projects.load(tmp_path)
    (tmp_path / "project.json").write_text("[" * 100_000)
    with pytest.raises(projects.ProjectError, match="nests its lists or objects too deeply"):
        projects.load(tmp_path)
    (tmp_path / "project.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(projects.ProjectError, match="not a Glottis project"):
        projects.load(tmp_path)
    data = projects.Project(takes=[_take("a", [1, 1, 1])]).to_json()
    data["takes"][0]["utterance"]["sentences"][0]["durations"] = [1]
    (tmp_path / "project.json").write_text(json.dumps(data))
    with pytest.raises(projects.ProjectError, match="do not fit"):
        projects.load(tmp_path)
    data["takes"][0]["utterance"]["sentences"][0]["durations"] = [1, "2", 1]
    (tmp_path / "project.json").write_text(json.dumps(data))
    with pytest.raises(projects.ProjectError) as caught:
        projects.load(tmp_path)
    assert str(caught.value).endswith(
        "project.json: takes[0].utterance.sentences[0].durations[1] is \"2\"; "
        "it should be a whole number of at least 0"
    )
