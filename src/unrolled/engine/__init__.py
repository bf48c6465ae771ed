"""The engine: cells, the unrolled time loops (readable and compiled), packing,
networks, optimizers.

Modules are imported by their full path (``unrolled.engine.<module>``); this
``__init__`` re-exports nothing, so importing one module never loads the rest.
"""
