"""The synthesis panel: voice, acoustic model and vocoder, the render controls, the seed.

A control is enabled only when the loaded model (and vocoder) reads it, as the engine says
in its load answer (``control_names``). The model and vocoder lists end with an
"Import a checkpoint..." entry that asks for a file and has the engine load it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

IMPORT = "Import a checkpoint..."
MAX_SEED = 2**31 - 1
CHECKPOINT_FILTER = "Checkpoints (*.pth *.pt *.ckpt *.onnx *.safetensors);;All files (*)"


@dataclass(frozen=True)
class ControlSpec:
    """One render control: its label, range, step and what it does."""

    name: str
    label: str
    low: float
    high: float
    step: float
    decimals: int
    tip: str


CONTROLS = (
    ControlSpec("noise_scale", "Noise scale", 0, 2, 0.05, 3, "Temperature of the voice"),
    ControlSpec("noise_w", "Duration noise", 0, 2, 0.05, 3, "How much the rhythm varies"),
    ControlSpec("length_scale", "Length scale", 0.1, 4, 0.05, 2, "Above 1 speaks slower"),
    ControlSpec("steps", "Diffusion steps", 1, 1000, 1, 0, "Grad-TTS reverse-diffusion steps"),
    ControlSpec("temperature", "Temperature", 0.1, 10, 0.1, 2, "Grad-TTS: higher is calmer"),
)


class SynthesisPanel(QWidget):
    """Selectors and knobs; ``values()`` gives the controls to render with."""

    voice_chosen = Signal(str)  # a voice name, or a checkpoint path to import
    vocoder_chosen = Signal(str)  # a vocoder name or checkpoint path
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.voice = QComboBox()
        self.voice.setToolTip("The voice (acoustic model) that speaks")
        self.model = QComboBox()
        self.model.setToolTip("The acoustic model's family; import a Glow-TTS or Grad-TTS file")
        self.vocoder = QComboBox()
        self.vocoder.setToolTip("Turns a mel model's spectrogram into audio")
        form.addRow("Voice", self.voice)
        form.addRow("Acoustic model", self.model)
        form.addRow("Vocoder", self.vocoder)
        self.spins: dict[str, QDoubleSpinBox | QSpinBox] = {}
        for spec in CONTROLS:
            spin = QSpinBox() if spec.decimals == 0 else QDoubleSpinBox()
            if isinstance(spin, QDoubleSpinBox):
                spin.setDecimals(spec.decimals)
            spin.setRange(spec.low, spec.high)
            spin.setSingleStep(spec.step)
            spin.setToolTip(spec.tip)
            spin.setEnabled(False)
            spin.valueChanged.connect(self.changed)
            form.addRow(spec.label, spin)
            self.spins[spec.name] = spin
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip("The same text, seed and settings give the same take")
        self.seed_lock = QCheckBox("Lock")
        self.seed_lock.setToolTip("Keep this seed for every render (else each render draws one)")
        self.new_seed = QPushButton("New seed")
        self.new_seed.clicked.connect(self.draw_seed)
        row = QHBoxLayout()
        row.addWidget(self.seed, 1)
        row.addWidget(self.seed_lock)
        row.addWidget(self.new_seed)
        form.addRow("Seed", row)
        self._defaults: dict[str, Any] = {}
        self.voice.activated.connect(self._on_voice)
        self.model.activated.connect(self._on_model)
        self.vocoder.activated.connect(self._on_vocoder)

    def show_engine(self, info: dict) -> None:
        """Fill the selectors and enable the knobs for what the engine loaded."""
        self.voice.clear()
        voices = list(info.get("voices") or [])
        if info["voice"] not in voices:
            voices.insert(0, info["voice"])
        self.voice.addItems(voices)
        self.voice.setCurrentText(info["voice"])
        self.model.clear()
        self.model.addItems([f"{info.get('family', 'vits').upper()} ({info['voice']})", IMPORT])
        self.vocoder.clear()
        vocoder = info.get("vocoder")
        self.vocoder.addItems([vocoder or "built into the model (VITS)", "griffin-lim", IMPORT])
        names = set(info.get("control_names") or ())
        self._defaults = dict(info.get("controls") or {})
        for name, spin in self.spins.items():
            spin.setEnabled(name in names)
            if name in self._defaults:
                spin.setValue(self._defaults[name])

    def values(self) -> dict[str, Any]:
        """The controls to render with: the enabled knobs over the model's defaults."""
        values = dict(self._defaults)
        for name, spin in self.spins.items():
            if spin.isEnabled():
                values[name] = spin.value()
        return values

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.spins and isinstance(value, int | float):
                self.spins[name].setValue(value)

    def seed_for_render(self) -> int:
        """The seed of the next render: the locked one, or a fresh draw shown in the box."""
        if not self.seed_lock.isChecked():
            self.draw_seed()
        return self.seed.value()

    def draw_seed(self) -> None:
        self.seed.setValue(random.randint(0, MAX_SEED))

    def _on_voice(self, index: int) -> None:
        self.voice_chosen.emit(self.voice.itemText(index))

    def _on_model(self, index: int) -> None:
        if self.model.itemText(index) == IMPORT:
            self.model.setCurrentIndex(0)
            path, _ = QFileDialog.getOpenFileName(
                self, "Import an acoustic model checkpoint", "", CHECKPOINT_FILTER
            )
            if path:
                self.voice_chosen.emit(path)

    def _on_vocoder(self, index: int) -> None:
        text = self.vocoder.itemText(index)
        if text == IMPORT:
            self.vocoder.setCurrentIndex(0)
            path, _ = QFileDialog.getOpenFileName(
                self, "Import a vocoder checkpoint (HiFi-GAN, WaveGlow)", "", CHECKPOINT_FILTER
            )
            if path:
                self.vocoder_chosen.emit(path)
        elif index > 0:
            self.vocoder_chosen.emit(text)
