"""Forecasting methods with one contract: ``fit(y)`` -> self, ``predict(h)`` -> path.

:mod:`.base` states the contract; :mod:`.baselines` the simple methods,
:mod:`.classical` exponential smoothing, Holt-Winters, Theta, the airline
model and seasonal naive, :mod:`.networks` the recurrent networks and
:mod:`.hybrid` a network on a classical model's errors (:mod:`.residuals`);
:mod:`.scalings` every scaling name a network reads. ``unrolled.models``
re-exports the classes.
"""
