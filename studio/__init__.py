"""The Glottis studio: the PySide6 + pyqtgraph window over the engine process."""

from studio.qt_compat import protect_singletons

protect_singletons()
