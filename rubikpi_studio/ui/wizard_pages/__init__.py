"""The wizard's steps after the board is checked: set up, pick a model, download, start the server, chat.

Each module holds one or two small `Step` classes (see `base.py`); `ui/wizard.py` lists them in order.
"""
