"""The ensemble: the validation plan, the search over networks, the members
and their weights, prediction and intervals, saving and resuming.

Imports :mod:`..io`, :mod:`..features` and :mod:`..models`, never
:mod:`..evaluation`; this ``__init__`` re-exports nothing.
"""
