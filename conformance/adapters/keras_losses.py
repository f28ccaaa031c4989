"""Keras 3's losses, described once for every backend it runs on: TensorFlow (``tf.keras``,
the same Keras where KERAS_BACKEND is tensorflow), JAX and PyTorch (keras_backends.py). Each
loss imports Keras when called; ``implementations`` names them for their backend."""

from __future__ import annotations

from conformance.adapters.implementation import Implementation
from conformance.oracle.conventions import Convention
from conformance.vocabulary import INDICES, PROBABILITIES, SIGMOID_CROSS_ENTROPY

KERAS_REDUCTION = {"none": "none", "mean": "sum_over_batch_size", "sum": "sum"}
# Keras' ignore_class: the mean divides by the rows kept, 0 when none is (divide_no_nan).
KERAS_SPARSE = Convention(weighted_mean="kept-rows", empty_mean="zero")
# Keras' BinaryCrossentropy takes the mean over the last axis before reducing (losses.py).
KERAS_BINARY = Convention(binary_reduction="rows-mean")


def _dtype(x) -> str:
    import keras

    return keras.backend.standardize_dtype(x.dtype)


def categorical(x, labels, e, reduction, axis, dtype=None):
    import keras

    loss = keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=e, reduction=KERAS_REDUCTION[reduction], axis=axis, dtype=dtype
    )
    return loss(labels, x)


def categorical_in_dtype(x, labels, e, reduction, axis):
    return categorical(x, labels, e, reduction, axis, dtype=_dtype(x))


def sparse(x, labels, e, reduction, axis, ignore_index=None):
    import keras

    loss = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True,
        ignore_class=ignore_index,
        reduction=KERAS_REDUCTION[reduction],
        axis=-1,  # it takes no other (the class axis is the last here)
        dtype=_dtype(x),
    )
    return loss(labels, x)


def binary(x, labels, e, reduction, axis):
    import keras

    loss = keras.losses.BinaryCrossentropy(
        from_logits=True, label_smoothing=e, reduction=KERAS_REDUCTION[reduction], dtype=_dtype(x)
    )
    return loss(labels, x)


def implementations(framework: str, prefix: str, backend: str = "") -> list[Implementation]:
    """Keras' losses as implementations of ``framework``, named ``PREFIX + class`` with the
    backend (where it is not TensorFlow's ``tf.keras``) and ``dtype=input`` in brackets:
    ``tf.keras.losses.CategoricalCrossentropy(dtype=input)``,
    ``keras.losses.CategoricalCrossentropy(jax,dtype=input)``."""

    def name(cls: str, in_dtype: bool = True) -> str:
        args = [a for a in (backend, "dtype=input" if in_dtype else "") if a]
        return f"{prefix}{cls}" + (f"({','.join(args)})" if args else "")

    probabilities, indices = frozenset({PROBABILITIES}), frozenset({INDICES})
    return [
        Implementation(
            name("CategoricalCrossentropy", in_dtype=False),
            framework,
            categorical,
            probabilities,
            class_axis="any",
            note="default dtype",
        ),
        Implementation(
            name("CategoricalCrossentropy"), framework, categorical_in_dtype, probabilities, class_axis="any"
        ),
        Implementation(
            name("SparseCategoricalCrossentropy"),
            framework,
            sparse,
            indices,
            smoothing=False,
            options=frozenset({"ignore_index"}),
            convention=KERAS_SPARSE,
        ),
        Implementation(
            name("BinaryCrossentropy"),
            framework,
            binary,
            probabilities,
            class_axis="rows",
            convention=KERAS_BINARY,
            operation=SIGMOID_CROSS_ENTROPY,
        ),
    ]
