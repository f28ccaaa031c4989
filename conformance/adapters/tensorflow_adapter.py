"""TensorFlow: Keras' losses (keras_losses.py, where KERAS_BACKEND is tensorflow), TF1's
built-in (the documents' API), ``tf.nn.softmax_cross_entropy_with_logits`` on labels smoothed
by hand, its sparse form, and the form users write on ``tf.nn.log_softmax`` (so that a user's
loss built on it can be matched bit for bit: plugin/shared.py)."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
from pathlib import Path
from typing import Any

import numpy as np

from conformance.adapters import keras_losses
from conformance.adapters.base import Framework, Implementation
from conformance.adapters.caches import cache_folder
from conformance.adapters.contract import HOST_DEVICES, Mode, normalise_device, reduce_rows
from conformance.adapters.keras_backends import require_keras_backend
from conformance.oracle.conventions import Convention
from conformance.vocabulary import EAGER, INDICES, PROBABILITIES

# TF1's losses smooth only when label_smoothing > 0, and their default reduction divides by
# the number of non-zero weights with a division that gives 0 for 0/0 (losses_impl.py).
TF1 = Convention(empty_mean="zero", smoothing_below_zero="ignored")


CACHE = "CONFORMANCE_TF_CACHE"  # where XLA keeps TensorFlow's compiled clusters between runs ("": nowhere)
XLA_CACHE_FLAG = "--tf_xla_persistent_cache_directory"


def xla_cache() -> str:
    """Keep the programs XLA compiles for tf.function(jit_compile=True) on disk, shared by the
    workers and later runs (TF_XLA_FLAGS, read when XLA first compiles); a cache directory
    the user gave in TF_XLA_FLAGS stands. XLA's key covers the cluster's program, its shapes
    and the device (not TensorFlow's version: the folder names it). Returns the folder ("" for
    none)."""
    flags = os.environ.get("TF_XLA_FLAGS", "").split()
    given = [f.split("=", 1)[1] for f in flags if f.startswith(XLA_CACHE_FLAG + "=")]
    if given:
        return given[-1]
    folder = cache_folder("tensorflow", CACHE)
    if folder:  # XLA's key names no version of TensorFlow: a folder per version
        folder = str(Path(folder) / tensorflow_version())
        os.environ["TF_XLA_FLAGS"] = " ".join([*flags, f"{XLA_CACHE_FLAG}={folder}"])
    return folder


def tensorflow_version() -> str:
    """The installed TensorFlow's version, read before TensorFlow is imported."""
    for package in ("tensorflow-cpu", "tensorflow", "tf-nightly"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            return importlib.metadata.version(package)
    return "unknown"


# --- the losses checked: each imports TensorFlow when called (importing this module starts none)


def v1(x, labels, e, reduction, axis):
    import tensorflow as tf

    v1_reduction = {
        "none": tf.compat.v1.losses.Reduction.NONE,
        "mean": tf.compat.v1.losses.Reduction.SUM_BY_NONZERO_WEIGHTS,  # its default
        "sum": tf.compat.v1.losses.Reduction.SUM,
    }
    return tf.compat.v1.losses.softmax_cross_entropy(
        labels, x, label_smoothing=e, reduction=v1_reduction[reduction]
    )


def nn_by_hand(x, labels, e, reduction, axis):
    import tensorflow as tf

    k = tf.cast(tf.shape(x)[axis], x.dtype)
    smoothed = labels * (1 - e) + e / k
    rows = tf.nn.softmax_cross_entropy_with_logits(labels=smoothed, logits=x, axis=axis)
    return reduce_rows(rows, reduction, tf.reduce_mean, tf.reduce_sum)


def nn_sparse(x, labels, e, reduction, axis):
    import tensorflow as tf

    rows = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x)
    return reduce_rows(rows, reduction, tf.reduce_mean, tf.reduce_sum)


def log_softmax_form(x, labels, e, reduction, axis):
    """-sum(t * tf.nn.log_softmax(x)) over the classes, t the smoothed target rows (one-hot rows
    from class indices, tf.one_hot, in the logits' dtype)."""
    import tensorflow as tf

    k = x.shape[axis]
    targets = labels if labels.dtype.is_floating else tf.one_hot(labels, k, axis=axis, dtype=x.dtype)
    smoothed = targets * (1 - e) + e / k
    rows = -tf.reduce_sum(smoothed * tf.nn.log_softmax(x, axis=axis), axis=axis)
    return reduce_rows(rows, reduction, tf.reduce_mean, tf.reduce_sum)


IMPLEMENTATIONS = [
    *keras_losses.implementations("tensorflow", "tf.keras.losses."),
    Implementation(
        "tf.compat.v1.losses.softmax_cross_entropy",
        "tensorflow",
        v1,
        frozenset({PROBABILITIES}),
        class_axis="last",
        convention=TF1,
    ),
    Implementation(
        "tf.nn.softmax_cross_entropy_with_logits(hand-smoothed)",
        "tensorflow",
        nn_by_hand,
        frozenset({PROBABILITIES}),
        class_axis="any",
        smooths_by_hand=True,
    ),
    Implementation(
        "tf.nn.sparse_softmax_cross_entropy_with_logits",
        "tensorflow",
        nn_sparse,
        frozenset({INDICES}),
        smoothing=False,
    ),
    Implementation(
        "tf.nn.log_softmax(smoothed targets)",
        "tensorflow",
        log_softmax_form,
        class_axis="any",
        smooths_by_hand=True,
        eager_only="compiled, TensorFlow's graph optimisers and XLA fuse the composition into a program "
        "of their own, so a user's compiled loss would not share its bits",
    ),
]


# --- moving tensors, differentiating, compiling


def put(array: np.ndarray, device: str) -> Any:
    import tensorflow as tf

    return tf.identity(tf.constant(array))


def where(tensor: Any) -> str:
    kind, index = tensor.device.split(":")[-2:]
    return normalise_device(kind, int(index))


def fetch(tensor: Any) -> tuple[np.ndarray, str]:
    return tensor.numpy(), where(tensor)


def differentiate(f, x: Any) -> tuple[Any, Any]:
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        value = f(x)
        total = tf.reduce_sum(value)
    grad = tape.gradient(total, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return value, grad


def function(f):
    import tensorflow as tf

    return tf.function(f)


def function_xla(f):
    import tensorflow as tf

    return tf.function(f, jit_compile=True)


MODES = (
    Mode(EAGER),
    Mode("function", function, note="tf.function of the loss, or of a GradientTape over it"),
    Mode("function-xla", function_xla, note="tf.function(jit_compile=True): compiled by XLA"),
)


def traces(fw: Framework) -> int:
    """The traces of the tf.functions the framework keeps (its compiled programs)."""
    functions: list[Any] = [f for _, mode, f in fw.programs.values() if mode.compile]
    return sum(f.experimental_get_tracing_count() for f in functions)


def device_name(name: str) -> str:
    """What a device is: a GPU's model, or "host CPU"."""
    import tensorflow as tf

    kind = name.split(":")[0]
    physical = tf.config.list_physical_devices(kind.upper())
    if kind == "cpu" or not physical:
        return "host CPU" if kind == "cpu" else kind
    index = int(name.split(":")[1])
    details = tf.config.experimental.get_device_details(physical[min(index, len(physical) - 1)])
    return str(details.get("device_name", kind))


def load(precision_defaults: bool = False) -> Framework:
    """``precision_defaults``: keep TensorFlow's TF32 setting (else off). Several logical CPUs:
    the environment variable CONFORMANCE_HOST_DEVICES=N, before TensorFlow starts."""
    require_keras_backend("tensorflow", "tensorflow: its Keras losses", "; elsewhere: keras_jax, keras_torch")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    cache = xla_cache()
    import tensorflow as tf

    count = int(os.environ.get(HOST_DEVICES) or 1)
    if count > 1:
        (cpu, *_) = tf.config.list_physical_devices("CPU")
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    if not precision_defaults:
        tf.config.experimental.enable_tensor_float_32_execution(False)
    devices = {}
    for d in tf.config.list_logical_devices():
        kind, index = d.name.split(":")[-2:]
        devices[normalise_device(kind, int(index))] = d.name
    return Framework(
        name="tensorflow",
        version=str(tf.__version__),
        devices=list(devices),
        implementations=list(IMPLEMENTATIONS),
        put=put,
        fetch=fetch,
        scope=lambda device, dtype: tf.device(devices[device]),
        differentiate=differentiate,
        details={
            **({"keras": tf.keras.__version__} if hasattr(tf.keras, "__version__") else {}),
            "compilation_cache": cache or "none",
        },
        where=where,
        device_names={name: device_name(name) for name in devices},
        precision={
            "tensor_float_32_execution": str(tf.config.experimental.tensor_float_32_execution_enabled())
        },
        modes=MODES,
        built=traces,
    )
