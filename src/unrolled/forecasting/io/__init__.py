"""Reading: bytes, files and frames to a validated :class:`~.dataset.Dataset`.

The lowest stage of forecasting: it imports no other stage. Modules are
imported by their full path; this ``__init__`` re-exports nothing.
"""
