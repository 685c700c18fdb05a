"""Checkpoint formats mapped onto our models: official checkpoints (:mod:`.loader`), Piper
voices (:mod:`.piper`, :mod:`.piper_export`) and the voice cache (:mod:`.voices`). The
package imports nothing itself; :mod:`.errors` holds the errors a user can cause."""
