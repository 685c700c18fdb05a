"""Datasets of recorded speech in LJSpeech layout: prompts, import, checks.

``prompts`` holds the recording prompts and phoneme coverage, ``layout`` reads and writes
the LJSpeech layout, ``trim`` finds speech in a clip, ``importer`` brings a folder of
someone's recordings in, ``check`` measures each clip, and ``cli`` is ``glottis dataset``.
"""
