"""Training: recipes for VITS fine-tuning, Glow-TTS, Grad-TTS and HiFi-GAN, run in-process.

``train(TrainOptions(recipe, data, out, ...), on_event, cancel)`` runs one recipe on an
LJSpeech-layout dataset; see :mod:`engine.training.run` for what the loop guarantees and
:mod:`engine.training.events` for what it reports.
"""

from engine.training.data import DatasetError
from engine.training.options import TrainOptions
from engine.training.recipes import RECIPES
from engine.training.run import TrainingError, TrainResult, train

__all__ = ["RECIPES", "DatasetError", "TrainOptions", "TrainResult", "TrainingError", "train"]
