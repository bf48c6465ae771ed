"""Scoring a forecaster: backtests, cross-validation, metrics, rivals, the
report and its figures.

The top stage under :mod:`..forecaster`: it may import every other stage
and none imports it; this ``__init__`` re-exports nothing.
"""
