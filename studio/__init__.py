"""The Glottis studio: the PySide6 + pyqtgraph window over the engine process."""
