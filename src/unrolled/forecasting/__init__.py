"""Forecasting: data, scaling, transforms, baselines, metrics, the forecaster,
backtests, reports.

Modules are imported by their full path (``unrolled.forecasting.<module>``); this
``__init__`` re-exports nothing, so importing one module never loads the rest.
"""
