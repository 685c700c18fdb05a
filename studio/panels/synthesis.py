"""The synthesis panel: acoustic model, speaker and vocoder, the render controls, the seed.

A control is enabled only when the loaded model (and vocoder) reads it, as the engine says
in its load answer (``control_names``), and starts at the model's default. The model list
holds the voices there are, the checkpoints imported before and the catalogue's official
acoustic models, and ends with "Import a checkpoint..."; the vocoder list (mel models only)
holds Griffin-Lim, the vocoders imported before, the catalogue's vocoders and "Import a
vocoder...". A catalogue model already kept loads like any other; one not yet fetched reads
"Get ..." with its licence and size, and choosing it asks the window to fetch it
(``fetch_requested``). Choosing an entry asks the window to load it; the lists show what is
loaded again whatever the engine answers, so a refused file leaves them as they were.
"""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from engine.api import CatalogueModel, LoadAnswer
from engine.controls import CONTROL_SPECS, SPECS_BY_NAME, ControlSpec
from engine.families import ACOUSTIC, FAMILY_NAMES, GRIFFIN_LIM, VOCODER
from studio.panels.checkpoint_dialog import ask_checkpoint

IMPORT_MODEL = "Import a checkpoint..."
IMPORT_VOCODER = "Import a vocoder..."
BUILT_IN = "built into the model (VITS)"
MAX_SEED = 2**31 - 1
PATH_ROLE = Qt.ItemDataRole.UserRole + 1  # each entry's path, beside its config (UserRole)
FETCH_ROLE = Qt.ItemDataRole.UserRole + 2  # a catalogue model not fetched yet


def control_tip(spec: ControlSpec) -> str:
    """A knob's tooltip: what it does and which models read it."""
    readers = ", ".join(FAMILY_NAMES[name] for name in spec.readers)
    return f"{spec.meaning[0].upper()}{spec.meaning[1:]} ({readers})"
STOCHASTIC_TIP = "Grad-TTS: sample the reverse SDE instead of the deterministic ODE"


class SynthesisPanel(QWidget):
    """Selectors and knobs; ``values()`` gives the controls to render with."""

    model_chosen = Signal(str, object)  # voice name or checkpoint path, config path or None
    vocoder_chosen = Signal(str, object)  # "griffin-lim" or checkpoint path, config or None
    fetch_requested = Signal(object)  # the engine.api.CatalogueModel to fetch
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.model = QComboBox()
        self.model.setToolTip(
            "The acoustic model that speaks: a voice, or an imported VITS, Glow-TTS or "
            "Grad-TTS checkpoint"
        )
        self.speaker = QSpinBox()
        self.speaker.setToolTip("Which speaker of a multi-speaker model speaks")
        self.speaker.setEnabled(False)
        self.vocoder = QComboBox()
        self.vocoder.setToolTip("Turns a mel model's spectrogram into audio")
        form.addRow("Acoustic model", self.model)
        form.addRow("Speaker", self.speaker)
        form.addRow("Vocoder", self.vocoder)
        self.widgets: dict[str, QDoubleSpinBox | QSpinBox | QCheckBox] = {}
        for spec in CONTROL_SPECS:
            spin: QSpinBox | QDoubleSpinBox
            if spec.decimals == 0:
                spin = QSpinBox()
                spin.setRange(int(spec.low), int(spec.high))
                spin.setSingleStep(int(spec.step))
            else:
                spin = QDoubleSpinBox()
                spin.setDecimals(spec.decimals)
                spin.setRange(spec.low, spec.high)
                spin.setSingleStep(spec.step)
            spin.setToolTip(control_tip(spec))
            spin.valueChanged.connect(self.changed)
            form.addRow(spec.label, spin)
            self.widgets[spec.name] = spin
        self.stochastic = QCheckBox("Stochastic sampler")
        self.stochastic.setToolTip(STOCHASTIC_TIP)
        self.stochastic.toggled.connect(self.changed)
        form.addRow("", self.stochastic)
        self.widgets["stochastic"] = self.stochastic
        for widget in self.widgets.values():
            widget.setEnabled(False)
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip("The same text, seed and settings give the same take")
        self.seed_lock = QCheckBox("Lock")
        self.seed_lock.setToolTip(
            "Keep this seed for every render (else each render draws one); a seed you type "
            "is locked, so the take you compare with keeps its noise"
        )
        self.seed.lineEdit().textEdited.connect(lambda _text: self.seed_lock.setChecked(True))
        self.new_seed = QPushButton("New seed")
        self.new_seed.clicked.connect(self.draw_seed)
        row = QHBoxLayout()
        row.addWidget(self.seed, 1)
        row.addWidget(self.seed_lock)
        row.addWidget(self.new_seed)
        form.addRow("Seed", row)
        self._defaults: dict[str, Any] = {}
        self._info: LoadAnswer | None = None
        self.model.activated.connect(self._on_model)
        self.vocoder.activated.connect(self._on_vocoder)

    def show_engine(
        self,
        info: LoadAnswer,
        models: list[dict] | None = None,
        vocoders: list[dict] | None = None,
    ) -> None:
        """Fill the selectors and set up the knobs for what the engine loaded.

        ``models`` and ``vocoders`` are imported checkpoints to offer again, each a dict with
        ``path``, ``config`` and ``label``.
        """
        self._info = info
        self._fill_models(info, models or [])
        self._fill_vocoders(info, vocoders or [])
        speakers = max(info.speakers, 1)
        self.speaker.setRange(0, max(speakers - 1, 0))
        self.speaker.setEnabled(speakers > 1)
        self.speaker.setToolTip(
            f"Speaker 0 to {speakers - 1} of this model" if speakers > 1 else "One speaker"
        )
        names = set(info.control_names)
        self._defaults = dict(info.controls)
        who = info.label
        for name, widget in self.widgets.items():
            widget.setEnabled(name in names)
            if name in self._defaults:
                self._set(widget, self._defaults[name])
            tip = STOCHASTIC_TIP if name == "stochastic" else control_tip(SPECS_BY_NAME[name])
            widget.setToolTip(tip if name in names else f"{tip} (not read by {who})")

    def _fill_models(self, info: LoadAnswer, models: list[dict]) -> None:
        self.model.clear()
        voices = list(info.voices)
        for name in voices:
            _add(self.model, name, name, None)
        for entry in models:
            if entry["path"] not in voices:
                _add(self.model, entry["label"], entry["path"], entry.get("config"))
        current = self.model.findData(info.voice, PATH_ROLE)
        if current < 0:
            _add(self.model, info.label, info.voice, info.config)
            current = self.model.count() - 1
        _add_catalogue(self.model, info, ACOUSTIC)
        self.model.addItem(IMPORT_MODEL)
        self.model.setCurrentIndex(current)

    def _fill_vocoders(self, info: LoadAnswer, vocoders: list[dict]) -> None:
        self.vocoder.clear()
        if not info.mel_model:
            self.vocoder.addItem(BUILT_IN)
            self.vocoder.setEnabled(False)
            return
        self.vocoder.setEnabled(True)
        _add(self.vocoder, "Griffin-Lim", GRIFFIN_LIM, None)
        for entry in vocoders:
            _add(self.vocoder, entry["label"], entry["path"], entry.get("config"))
        loaded = info.vocoder or GRIFFIN_LIM
        current = self.vocoder.findData(loaded, PATH_ROLE)
        if current < 0:
            _add(self.vocoder, info.vocoder_label or loaded, loaded, None)
            current = self.vocoder.count() - 1
        _add_catalogue(self.vocoder, info, VOCODER)
        self.vocoder.addItem(IMPORT_VOCODER)
        self.vocoder.setCurrentIndex(current)
        compatible = ", ".join(info.compatible_vocoders)
        self.vocoder.setToolTip(f"Turns this model's mels into audio; it takes: {compatible}")

    def values(self) -> dict[str, Any]:
        """The controls to render with: the enabled knobs over the model's defaults."""
        values = dict(self._defaults)
        for name, widget in self.widgets.items():
            if widget.isEnabled():
                values[name] = (
                    widget.isChecked() if isinstance(widget, QCheckBox) else widget.value()
                )
        return values

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.widgets and isinstance(value, int | float):
                self._set(self.widgets[name], value)

    def speaker_for_render(self) -> int | None:
        """The speaker to prepare with: None for a single-speaker model."""
        return self.speaker.value() if self.speaker.isEnabled() else None

    def seed_for_render(self) -> int:
        """The seed of the next render: the locked one, or a fresh draw shown in the box."""
        if not self.seed_lock.isChecked():
            self.draw_seed()
        return self.seed.value()

    def draw_seed(self) -> None:
        self.seed.setValue(random.randint(0, MAX_SEED))

    @staticmethod
    def _set(widget: QDoubleSpinBox | QSpinBox | QCheckBox, value: Any) -> None:
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        else:
            widget.setValue(value)

    def _on_model(self, index: int) -> None:
        path, config = self.model.itemData(index, PATH_ROLE), self.model.itemData(index)
        wanted = self.model.itemData(index, FETCH_ROLE)
        self._restore_selection()  # the list follows what the engine loads, not the click
        if wanted is not None:
            self.fetch_requested.emit(wanted)
        elif self.model.itemText(index) == IMPORT_MODEL:
            chosen = ask_checkpoint(
                self, "Import an acoustic model", "VITS, Glow-TTS or Grad-TTS checkpoint"
            )
            if chosen:
                self.model_chosen.emit(*chosen)
        elif path and (self._info is None or path != self._info.voice):
            self.model_chosen.emit(path, config)

    def _on_vocoder(self, index: int) -> None:
        path, config = self.vocoder.itemData(index, PATH_ROLE), self.vocoder.itemData(index)
        wanted = self.vocoder.itemData(index, FETCH_ROLE)
        self._restore_selection()
        if wanted is not None:
            self.fetch_requested.emit(wanted)
        elif self.vocoder.itemText(index) == IMPORT_VOCODER:
            chosen = ask_checkpoint(
                self, "Import a vocoder", "HiFi-GAN generator (g_*) or WaveGlow checkpoint"
            )
            if chosen:
                self.vocoder_chosen.emit(*chosen)
        elif path and (self._info is None or path != (self._info.vocoder or GRIFFIN_LIM)):
            self.vocoder_chosen.emit(path, config)

    def _restore_selection(self) -> None:
        if self._info is None:
            return
        for combo, loaded in (
            (self.model, self._info.voice),
            (self.vocoder, self._info.vocoder or GRIFFIN_LIM),
        ):
            index = combo.findData(loaded, PATH_ROLE)
            if index >= 0:
                combo.setCurrentIndex(index)


def _add(combo: QComboBox, text: str, path: str, config: str | None) -> None:
    """An entry that loads ``path`` (kept under PATH_ROLE) with ``config`` (the user data)."""
    combo.addItem(text, config)
    combo.setItemData(combo.count() - 1, path, PATH_ROLE)
    combo.setItemData(combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole)


def _add_catalogue(combo: QComboBox, info: LoadAnswer, role: str) -> None:
    """The catalogue's models of ``role``: a kept one loads from where it is kept (its
    official config beside it), one not yet fetched offers to be fetched."""
    for model in info.catalogue:
        if model.role != role or (model.path and combo.findData(model.path, PATH_ROLE) >= 0):
            continue
        if model.path:
            _add(combo, model.title, model.path, None)
            continue
        combo.addItem(f"Get {model.title}... ({catalogue_terms(model)})")
        combo.setItemData(combo.count() - 1, model, FETCH_ROLE)
        how = "downloaded, checked" if model.url else "to download in a browser, then import"
        combo.setItemData(
            combo.count() - 1, f"{model.source} ({how})", Qt.ItemDataRole.ToolTipRole
        )


def catalogue_terms(model: CatalogueModel) -> str:
    """A catalogue model's licence and size, as said before it is fetched."""
    size = f"{model.size / 1e6:.0f} MB" if model.size else "size not published"
    return f"{model.licence}, {size}"
