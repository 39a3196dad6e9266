"""Files the window ships: the app icon (icon.svg and PNGs rendered from it by scripts/render_icon.py).

A package, so that ``pip install`` carries the files (pyproject's package-data) and
``importlib.resources`` finds them in a wheel as well as in a checkout.
"""
