"""Training: the fit loop, its callbacks, gradient diagnostics and resume state.

Modules are imported by their full path (``unrolled.training.<module>``); this
``__init__`` re-exports nothing, so importing one module never loads the rest.
"""
