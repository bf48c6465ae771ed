"""Storage: atomic writes, safetensors + JSON files, model directories and checkpoints.

Modules are imported by their full path (``unrolled.storage.<module>``); this
``__init__`` re-exports nothing, so importing one module never loads the rest.
"""
