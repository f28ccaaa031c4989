"""TensorFlow: Keras' CategoricalCrossentropy and SparseCategoricalCrossentropy, TF1's
built-in (the documents' API), ``tf.nn.softmax_cross_entropy_with_logits`` on labels smoothed
by hand, and ``tf.nn.sparse_softmax_cross_entropy_with_logits``."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from conformance.adapters.base import Framework, Implementation, normalise_device, reduce_rows
from conformance.conventions import DEFAULT, Convention

PROBABILITIES = frozenset({"probabilities"})
INDICES = frozenset({"indices"})
_KERAS_REDUCTION = {"none": "none", "mean": "sum_over_batch_size", "sum": "sum"}
# TF1's losses smooth only when label_smoothing > 0, and their default reduction divides by
# the number of non-zero weights with a division that gives 0 for 0/0 (losses_impl.py).
TF1 = Convention(empty_mean="zero", smoothing_below_zero="ignored")
# Keras' ignore_class: the mean divides by the rows kept, 0 when none is (divide_no_nan).
KERAS_SPARSE = Convention(weighted_mean="kept-rows", empty_mean="zero")
# Keras' BinaryCrossentropy takes the mean over the last axis before reducing (losses.py).
KERAS_BINARY = Convention(binary_reduction="rows-mean")


def load() -> Framework:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    v1_reduction = {
        "none": tf.compat.v1.losses.Reduction.NONE,
        "mean": tf.compat.v1.losses.Reduction.SUM_BY_NONZERO_WEIGHTS,  # its default
        "sum": tf.compat.v1.losses.Reduction.SUM,
    }
    devices = {}
    for d in tf.config.list_logical_devices():
        kind, index = d.name.split(":")[-2:]
        devices[normalise_device(kind, int(index))] = d.name

    def put(array: np.ndarray, device: str) -> tf.Tensor:
        return tf.identity(tf.constant(array))

    def fetch(tensor: tf.Tensor) -> tuple[np.ndarray, str]:
        kind, index = tensor.device.split(":")[-2:]
        return tensor.numpy(), normalise_device(kind, int(index))

    def differentiate(f, x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = f(x)
            total = tf.reduce_sum(value)
        grad = tape.gradient(total, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return value, grad

    def keras(x, labels, e, reduction, axis, dtype=None):
        loss = tf.keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=e, reduction=_KERAS_REDUCTION[reduction], axis=axis, dtype=dtype
        )
        return loss(labels, x)

    def keras_in_dtype(x, labels, e, reduction, axis):
        return keras(x, labels, e, reduction, axis, dtype=x.dtype.name)

    def v1(x, labels, e, reduction, axis):
        return tf.compat.v1.losses.softmax_cross_entropy(
            labels, x, label_smoothing=e, reduction=v1_reduction[reduction]
        )

    def nn_by_hand(x, labels, e, reduction, axis):
        k = tf.cast(tf.shape(x)[axis], x.dtype)
        smoothed = labels * (1 - e) + e / k
        rows = tf.nn.softmax_cross_entropy_with_logits(labels=smoothed, logits=x, axis=axis)
        return reduce_rows(rows, reduction, tf.reduce_mean, tf.reduce_sum)

    def keras_sparse(x, labels, e, reduction, axis, ignore_index=None):
        loss = tf.keras.losses.SparseCategoricalCrossentropy(
            from_logits=True,
            ignore_class=ignore_index,
            reduction=_KERAS_REDUCTION[reduction],
            axis=-1,  # it takes no other (the class axis is the last here)
            dtype=x.dtype.name,
        )
        return loss(labels, x)

    def keras_binary(x, labels, e, reduction, axis):
        loss = tf.keras.losses.BinaryCrossentropy(
            from_logits=True, label_smoothing=e, reduction=_KERAS_REDUCTION[reduction], dtype=x.dtype.name
        )
        return loss(labels, x)

    def nn_sparse(x, labels, e, reduction, axis):
        rows = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x)
        return reduce_rows(rows, reduction, tf.reduce_mean, tf.reduce_sum)

    def probabilities(name, loss, axis="any", note="", convention=DEFAULT):
        return Implementation(
            name, "tensorflow", loss, PROBABILITIES, class_axis=axis, note=note, convention=convention
        )

    return Framework(
        name="tensorflow",
        version=str(tf.__version__),
        devices=list(devices),
        implementations=[
            probabilities("tf.keras.losses.CategoricalCrossentropy", keras, note="default dtype"),
            probabilities("tf.keras.losses.CategoricalCrossentropy(dtype=input)", keras_in_dtype),
            probabilities("tf.compat.v1.losses.softmax_cross_entropy", v1, axis="last", convention=TF1),
            replace(
                probabilities("tf.nn.softmax_cross_entropy_with_logits(hand-smoothed)", nn_by_hand),
                smooths_by_hand=True,
            ),
            Implementation(
                "tf.keras.losses.SparseCategoricalCrossentropy(dtype=input)",
                "tensorflow",
                keras_sparse,
                INDICES,
                smoothing=False,
                options=frozenset({"ignore_index"}),
                convention=KERAS_SPARSE,
            ),
            Implementation(
                "tf.nn.sparse_softmax_cross_entropy_with_logits",
                "tensorflow",
                nn_sparse,
                INDICES,
                smoothing=False,
            ),
            Implementation(
                "tf.keras.losses.BinaryCrossentropy(dtype=input)",
                "tensorflow",
                keras_binary,
                PROBABILITIES,
                class_axis="rows",
                convention=KERAS_BINARY,
                operation="sigmoid_cross_entropy",
            ),
        ],
        put=put,
        fetch=fetch,
        scope=lambda device: tf.device(devices[device]),
        differentiate=differentiate,
        details={"keras": tf.keras.__version__} if hasattr(tf.keras, "__version__") else {},
    )
