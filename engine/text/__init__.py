"""Text front ends: text to phonemes and model ids (see :mod:`.frontend`). The package imports
nothing itself: :mod:`.errors` can be caught without loading a front end (inflect, espeak)."""
