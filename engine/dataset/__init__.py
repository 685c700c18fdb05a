"""Datasets of recorded speech in LJSpeech layout: prompts, import, checks.

``prompts`` holds the recording prompts and phoneme coverage, ``layout`` reads and writes
the LJSpeech layout (``DatasetWriter`` saves recorded takes), ``trim`` finds the speech in a
clip, ``audio_file`` reads any WAV, ``importer`` brings a folder of someone's recordings in,
``check`` measures each clip, ``cli`` is ``glottis dataset``, and ``DatasetError`` (in
``errors``) is what a user's mistake raises.
"""
