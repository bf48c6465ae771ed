"""Forecasting, in stages whose names are the flow (lowest first).

``io`` reads bytes, files and frames into a validated dataset; ``features``
holds the arithmetic on one series that carries no model (scalings, seasons,
training windows); ``models`` the forecasting methods of one contract;
``ensemble`` plans the validation, searches the networks, combines the
members and forecasts; ``evaluation`` backtests and reports. ``progress``
(the display every stage may report to) sits below them all and
``forecaster`` (the estimator that names the stages) above. A stage imports
only the stages below it (``tests/test_layering.py``).

Modules are imported by their full path (``unrolled.forecasting.io.data``);
this ``__init__`` re-exports nothing, so importing one module never loads
the rest.
"""
