"""Arithmetic on one series that carries no model: scalings, the seasonal
strength and period, the training windows.

Imports only :mod:`..io`; this ``__init__`` re-exports nothing.
"""
