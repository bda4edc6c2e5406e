"""Qt widgets over the core. The only package that imports PySide6."""
