"""What an adapter provides: a framework, its devices, and its implementations.

Adapters know nothing of pytest or of the report, so they can be used from a notebook::

    from conformance.adapters import load
    torch = load("torch")
    torch.run(torch.implementation("torch.nn.functional.cross_entropy"), "cpu:0",
              logits, labels, label_smoothing=0.1, reduction="mean")
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ml_dtypes  # noqa: F401  (registers bfloat16 with NumPy: np.dtype("bfloat16"))
import numpy as np

from conformance.adapters import subnormals
from conformance.adapters.contract import Differentiate, Mode, PlacementError, Result, Unsupported
from conformance.adapters.implementation import Implementation, LossFn
from conformance.vocabulary import EAGER, INDICES, PROBABILITIES

PROGRAMS = 2048  # compiled functions a framework keeps (golden checks build about 600 per mode)
Static = tuple[float, str, int, "int | None"]  # smoothing, reduction, class axis, ignore_index


LARGE_INPUT = 1 << 15  # logits from which a framework frees its builds once done (Framework.free)


@dataclass
class Framework:
    """A framework as the suite sees it: version, devices and implementations.

    ``put(array, device)`` makes a framework tensor on a device (keeping the array's dtype);
    ``fetch(tensor)`` returns ``(numpy array, device name)``; ``scope(device)`` is a
    context manager in which the implementation's ops run on that device; ``where(tensor)``
    names the device a tensor lives on. ``device_names``: what each device is (a GPU's
    model); ``precision``: the settings that change results on accelerators, as in force;
    ``modes``: eager first, then the compiled modes that work here (``unavailable``: the
    others, with why); ``built``: the programs its compilers have built so far.
    """

    name: str
    version: str
    devices: list[str]
    implementations: list[Implementation]
    put: Callable[[np.ndarray, str], Any]
    fetch: Callable[[Any], tuple[np.ndarray, str]]
    scope: Callable[[str, str], Any]  # (device, dtype): the context a check runs in
    differentiate: Differentiate | None = None
    details: dict[str, str] = field(default_factory=dict)
    where: Callable[[Any], str] | None = None
    device_names: dict[str, str] = field(default_factory=dict)
    precision: dict[str, str] = field(default_factory=dict)
    modes: tuple[Mode, ...] = (Mode(EAGER),)
    unavailable: dict[str, str] = field(default_factory=dict)
    # how many programs its compiled modes have built in this process (the benchmark's count)
    built: Callable[[Framework], int] | None = None
    # compiled functions (``program``), beside the implementation and mode whose ids key them
    programs: OrderedDict[tuple[Any, ...], tuple[Implementation, Mode, Callable[..., Any]]] = field(
        default_factory=OrderedDict, repr=False, compare=False
    )
    # frees what the framework keeps of its builds beyond ``programs`` (JAX: its caches)
    release: Callable[[], None] | None = None
    # frees what it keeps of building them, not what it built (JAX: its lowered modules, most
    # of an eager build's memory; a shape met again runs without a build: jax_builds.py)
    release_lowered: Callable[[], None] | None = None
    ran_large: bool = field(default=False, repr=False, compare=False)  # since the last free()

    def free(self) -> None:
        """Drop the programs built so far and what building them left: after the checks of a
        large input (LARGE_INPUT logits), whose builds take about 100 MB a shape in JAX, most
        of it the lowered modules, so that a worker's memory does not grow with every large
        shape a run meets."""
        self.programs.clear()
        release = self.release_lowered or self.release
        if release is not None:
            release()
        self.ran_large = False

    def mode(self, name: str) -> Mode:
        for mode in self.modes:
            if mode.name == name:
                return mode
        why = self.unavailable.get(name, f"{self.name} has no mode {name!r}")
        raise Unsupported(why)

    def implementation(self, name: str) -> Implementation:
        for impl in self.implementations:
            if impl.name == name:
                return impl
        raise KeyError(f"{self.name} has no implementation {name!r}")

    def unsupported(
        self,
        impl: Implementation,
        kind: str,
        reduction: str,
        dtype: str,
        smoothing: float,
        options: tuple[str, ...],
        axis: int,
        rank: int,
        gradient: bool,
        mode: str,
    ) -> str | None:
        """Why ``run`` would refuse this combination (None where it runs it): known before
        a call, so a run can leave it out and say why."""
        axis %= rank
        if not impl.takes_axis(axis, rank):
            return f"{impl.name} takes the class axis {impl.class_axis}, not {axis}"
        if gradient and impl.gradient is None and self.differentiate is None:
            return f"{self.name} does not differentiate and {impl.name} has no analytic gradient"
        why = impl.unsupported(kind, reduction, dtype, smoothing, options)
        if why:
            return why
        if gradient and impl.gradient is not None and self.mode(mode).compile is not None:
            return f"{impl.name}'s analytic gradient is not compiled"
        return None

    def run(
        self,
        impl: Implementation,
        device: str,
        logits: np.ndarray,
        labels: np.ndarray,
        label_smoothing: float,
        reduction: str,
        axis: int = -1,
        gradient: bool = False,
        weights: tuple[float, ...] | None = None,
        ignore_index: int | None = None,
        mode: str = EAGER,
    ) -> Result:
        """Run ``impl`` on ``device`` in ``mode``; inputs are NumPy arrays already in the dtype
        under test, with the classes on ``axis`` of the logits. With ``gradient``, also the
        gradient of the sum of the result with respect to the logits (the framework's
        autodiff, or the implementation's analytic gradient). Inputs and results are checked
        to live on ``device``."""
        axis = axis % logits.ndim
        self.ran_large |= logits.size >= LARGE_INPUT
        kind = INDICES if labels.ndim < logits.ndim else PROBABILITIES
        given = tuple(n for n, v in (("weights", weights), ("ignore_index", ignore_index)) if v is not None)
        why = self.unsupported(
            impl,
            kind,
            reduction,
            str(logits.dtype),
            label_smoothing,
            given,
            axis,
            logits.ndim,
            gradient,
            mode,
        )
        if why:
            raise Unsupported(why)
        how = self.mode(mode)
        with self.scope(device, str(logits.dtype)):
            tensors = [self.put(logits, device), self.put(labels, device)]
            if weights is not None:
                tensors.append(self.put(np.asarray(weights, logits.dtype), device))
            for tensor in tensors:
                self._placed(impl, tensor, device, "an input")
            static = (label_smoothing, reduction, axis, ignore_index)
            grad = None
            if gradient and impl.gradient is None:  # the framework's autodiff
                value, grad = self.program(impl, how, device, static, True)(*tensors)
            else:
                value = self.program(impl, how, device, static, False)(*tensors)
                if gradient:  # the implementation's analytic gradient
                    grad = self.program(impl, how, device, static, False, impl.gradient)(*tensors)
        subnormals.check(f"{impl.name} ({mode})")  # no later check may compute in what it left
        array = self._fetched(impl, value, device)
        if grad is None:
            return Result(array, str(array.dtype), device)
        grad_array = self._fetched(impl, grad, device)
        return Result(array, str(array.dtype), device, grad_array, str(grad_array.dtype))

    def program(
        self,
        impl: Implementation,
        how: Mode,
        device: str,
        static: Static,
        gradient: bool,
        f: LossFn | None = None,
    ) -> Callable[..., Any]:
        """``impl`` (or ``f``, its analytic gradient) in mode ``how`` for the static arguments,
        called with the tensors (logits, labels, the weights if any); with ``gradient`` it gives
        the value and the gradient of its sum. A compiled one is kept (the last PROGRAMS), so a
        compiler builds once per shape and dtype and checks that share a program share it."""
        built = impl.loss if f is None else f
        if how.compile is None:
            return self._build(built, how, static, gradient)
        # by id: a user's implementation need not be hashable; repr tells 0 from 0.0 and -0.0
        key = (id(impl), id(how), f is not None, device, repr(static), gradient)
        if key not in self.programs:
            self.programs[key] = (impl, how, self._build(built, how, static, gradient))
            if len(self.programs) > PROGRAMS:
                self.programs.popitem(last=False)
        self.programs.move_to_end(key)
        return self.programs[key][2]

    def _build(self, f: LossFn, how: Mode, static: Static, gradient: bool) -> Callable[..., Any]:
        smoothing, reduction, axis, ignore_index = static
        fixed = {} if ignore_index is None else {"ignore_index": ignore_index}

        def loss(x: Any, y: Any, *w: Any) -> Any:
            return f(x, y, smoothing, reduction, axis, **fixed, **({"weights": w[0]} if w else {}))

        compiled = how.compile or (lambda g: g)
        if not gradient:
            return compiled(loss)
        differentiate = self.differentiate
        assert differentiate is not None  # else Unsupported in run
        inner = loss if how.around_gradient else compiled(loss)

        def loss_and_grad(x: Any, y: Any, *w: Any) -> tuple[Any, Any]:
            return differentiate(lambda v: inner(v, y, *w), x)

        return compiled(loss_and_grad) if how.around_gradient else loss_and_grad

    def _fetched(self, impl: Implementation, tensor: Any, device: str) -> np.ndarray:
        """The tensor as a NumPy array, after checking that it lived on ``device``."""
        array, where = self.fetch(tensor)
        if where != device:
            raise PlacementError(f"{impl.name}: result lived on {where}, not on {device}")
        return np.asarray(array)

    def _placed(self, impl: Implementation, tensor: Any, device: str, what: str) -> None:
        """Check that ``tensor`` lives on ``device``."""
        where = self.where(tensor) if self.where is not None else self.fetch(tensor)[1]
        if where != device:
            raise PlacementError(f"{impl.name}: {what} lived on {where}, not on {device}")
