"""Training: recipes for VITS fine-tuning, Glow-TTS, Grad-TTS and HiFi-GAN, run in-process.

``train(TrainOptions(recipe, data, out, ...), on_event, cancel)`` (:mod:`engine.training.run`,
:mod:`engine.training.options`) runs one recipe on an LJSpeech-layout dataset; see
:mod:`engine.training.run` for what the loop guarantees and :mod:`engine.training.events` for
what it reports. The package itself imports nothing, so that ``glottis --help`` and the
studio can name recipes and read options without loading PyTorch.
"""
