"""The forecaster's constructor arguments: scikit-learn's get, set and repr."""

from __future__ import annotations

from ...errors import InputError
from .names import check_alias

PARAMS = ("cell", "hidden", "window", "layers", "scaling", "lr", "epochs",
          "patience", "batch_size", "ensemble", "val_size", "seed", "season",
          "select", "clip_norm", "clip_value", "tbptt", "huber", "alias",
          "futr_exog", "hist_exog", "stat_exog", "calendar", "country")  # fmt: skip


class Parameters:
    """``get_params``, ``set_params`` and ``repr`` over :data:`PARAMS`."""

    def get_params(self, deep: bool = True) -> dict:
        """The constructor arguments (scikit-learn convention)."""
        return {k: getattr(self, k) for k in PARAMS}

    def set_params(self, **params):
        """Set constructor arguments by name (scikit-learn convention).

        A new ``alias`` renames a fitted ensemble too (its calibration and
        ``selected_``), so its intervals keep their widths.
        """
        for k in params:
            if k not in PARAMS:
                raise InputError(
                    f"set_params: unknown parameter {k!r}; expected one of "
                    f"{', '.join(PARAMS)}"
                )
        if "alias" in params:
            check_alias(params["alias"])
            self._rename(self.alias, params["alias"])
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def _rename(self, old: str, new: str) -> None:
        """The fitted ensemble's key ``old`` becomes ``new`` (where it is fitted)."""
        if hasattr(self, "calibration_"):
            res = self.calibration_.residuals
            self.calibration_.residuals = {new if m == old else m: r
                                           for m, r in res.items()}  # fmt: skip
        if getattr(self, "selected_", None) == old:
            self.selected_ = new

    def __repr__(self) -> str:
        default = type(self)()
        args = [f"{k}={getattr(self, k)!r}" for k in PARAMS
                if getattr(self, k) != getattr(default, k)]  # fmt: skip
        return f"{type(self).__name__}({', '.join(args)})"
