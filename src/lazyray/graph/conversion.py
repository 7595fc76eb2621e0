"""The conversion protocols of :class:`lazyray.LazyArray`, as a mixin.

``bool()``, ``int()``, ``float()``, ``complex()``, ``operator.index()``,
``numpy.asarray()`` and DLPack export need a value: a lazy array whose value
depends on no :func:`lazyray.Variable` is *determined* and computes it (as
dask does; :func:`lazyray.implicit_compute` turns this off); one that depends
on a Variable raises ``TypeError`` naming it.  Also here: the Array API's
``device`` / ``to_device`` and the refusal of item assignment.
"""

from __future__ import annotations

import numpy as np

from .config import implicit_compute_enabled


def variables_text(free: list) -> str:
    """The Variables ``free`` as text (the first three, then how many more)."""
    names = ", ".join(f"Variable(shape={v._shape}, dtype={v._dtype})" for v in free[:3])
    return names + (f" and {len(free) - 3} more" if len(free) > 3 else "")


class ConversionMixin:
    """Value conversions of lazy arrays (the base of ``LazyArray``)."""

    __slots__ = ()

    @property
    def device(self) -> str:
        """The Array API device: ``"cpu"`` (graphs are traced on the host)."""
        return "cpu"

    def to_device(self, device, /, *, stream=None):
        """``self`` for the one device of lazy arrays (``"cpu"``), else
        ``ValueError``."""
        if device not in ("cpu", None):
            raise ValueError(f"to_device: unsupported device {device!r}; lazy arrays live on 'cpu'")
        return self

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """DLPack export of the value (computed if determined, see
        :meth:`__array__`)."""
        kwargs = dict(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return self._dlpack_source().__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._dlpack_source().__dlpack_device__()

    def _dlpack_source(self):
        value = self._determined_value("DLPack export")
        if not hasattr(value, "__dlpack__"):
            value = np.asarray(value)
        return value

    def _free_variables(self) -> list:
        """The :func:`Variable` leaves this node depends on (iterative walk)."""
        found, seen, stack = [], set(), [self]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if node._data is not None:
                continue
            if node._op == "variable":
                found.append(node)
            stack.extend(node._deps)
        return found

    def _determined_value(self, what: str):
        """The value of this node, computing it if it depends on no
        :func:`Variable` and implicit compute is on; else ``TypeError``."""
        if self._data is not None:
            return self._data
        free = self._free_variables()
        if free:
            raise TypeError(
                f"{what} of a LazyArray (fn={self._op}, shape={self._shape}) that "
                f"depends on {variables_text(free)}: its value is unknown until the "
                "Variable(s) are given; build a Function and call it, or keep "
                "the value lazy"
            )
        if not implicit_compute_enabled():
            raise TypeError(
                f"{what} of an uncomputed LazyArray (fn={self._op}, shape="
                f"{self._shape}) with implicit compute off; call .compute() "
                "first (see lazyray.implicit_compute)"
            )
        return self.compute()

    def _scalar(self, kind):
        value = self._determined_value(f"{kind.__name__}()")
        if kind is not bool and getattr(value, "ndim", 0) != 0:
            raise TypeError(
                f"{kind.__name__}() of a LazyArray of shape {self._shape}: only "
                "0-d arrays can be converted to Python scalars"
            )
        return kind(value)

    def __bool__(self) -> bool:
        """The truth value: computed if determined (see :func:`lazyray.implicit_compute`),
        else ``TypeError`` naming the :func:`Variable` it depends on."""
        return self._scalar(bool)

    def __float__(self) -> float:
        return self._scalar(float)

    def __int__(self) -> int:
        return self._scalar(int)

    def __complex__(self) -> complex:
        return self._scalar(complex)

    def __index__(self) -> int:
        if self._shape != () or not str(self._dtype).startswith(("int", "uint")):
            raise TypeError(
                f"only 0-d integer LazyArrays can be used as an index, not "
                f"shape={self._shape}, dtype={self._dtype}"
            )
        return int(self._determined_value("__index__()"))

    def __array__(self, dtype=None, copy=None):
        value = self._determined_value("conversion to a numpy array")
        if not isinstance(value, np.ndarray) and not np.isscalar(value):
            # another backend's array (torch, jax, ...): numpy's own converters
            value = np.asarray(value)
        return np.asarray(value, dtype=dtype)

    def __setitem__(self, key, value):
        """Refused with ``TypeError``: a lazy array is an immutable graph value.

        ``x[key] = v`` cannot be made safe: nodes built earlier from ``x``
        hold ``x`` itself (there are no back-edges to rewrite them), so
        changing ``x`` in place would change their values too, and a
        :func:`Variable` would stop being the input it stands for.  Build the
        updated array functionally instead (as JAX does):

        >>> import lazyray, numpy as np
        >>> x = lazyray.array(np.arange(4.0))
        >>> x[x > 1] = 0.0
        Traceback (most recent call last):
        ...
        TypeError: LazyArray does not support item assignment ...
        >>> x = lazyray.where(x > 1, 0.0, x)
        >>> x.compute().tolist()
        [0.0, 1.0, 0.0, 0.0]
        """
        raise TypeError(
            "LazyArray does not support item assignment (x[key] = value): lazy "
            "arrays are immutable graph values, and changing x in place would "
            "change every array already built from it. Build the updated array "
            "instead: x = lazyray.where(mask, value, x) for a boolean mask; for "
            "an index key, make the mask with numpy first: m = numpy.zeros(x.shape, "
            "bool); m[key] = True; x = lazyray.where(m, value, x)"
        )
