"""The official checkpoints Glottis can fetch, check and keep (``glottis models``). Imports
nothing, so ``glottis --help`` stays light."""
