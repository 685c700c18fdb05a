"""The Glottis engine: everything that computes. It never imports Qt, pyqtgraph or studio.

oneDNN, which runs PyTorch's CPU convolutions, keeps one compiled primitive per input shape
in a cache of up to 1024 entries. Every sentence has its own length, so a long text grows the
process by ~10 MB a sentence until the cache is full (measured: 0.6 GB to 1.35 GB over 64
sentences). With the cache off, memory stays flat and rendering is no slower here. It must
be set before the first convolution runs, hence here; a value the user set is kept.
"""

import os

os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "0")
