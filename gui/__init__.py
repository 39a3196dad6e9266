"""CatDog Studio's PySide6 window: thin widgets and adapters over :mod:`core`."""
