"""The parameters of the network classifiers, declared once: each with its default and its valid values.

Every network classifier takes the training parameters of
`TRAINING_PARAMETERS`, keyword-only; a published network's classifier takes
its network's knobs first, declared as ``_knobs`` on its class, also
keyword-only.  `parameter_signature` assembles a class's signature from
these declarations and `storing_init` an ``__init__`` that stores each
argument under its own name, as scikit-learn expects, so that adding a
training parameter is one entry here, its line in the shared docstring
and the code that uses it.
"""
import inspect
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

__all__ = ["OPTIMIZERS", "TRAINING_PARAMETERS", "parameter_signature", "storing_init"]

#: The optimizers ``optimizer`` names.
OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD,
              "adagrad": torch.optim.Adagrad}

_COUNT = Interval(Integral, 1, None, closed="left")

#: Each training parameter: its default and its valid values (scikit-learn's parameter constraints).
TRAINING_PARAMETERS = {
    "max_epochs": (100, [_COUNT]),
    "batch_size": (64, [_COUNT]),
    "predict_batch_size": (None, [_COUNT, None]),
    "lr": (1e-3, [Interval(Real, 0, None, closed="neither")]),
    "lr_schedule": (None, [StrOptions({"plateau"}), None]),
    "optimizer": ("adam", [StrOptions(set(OPTIMIZERS)), callable]),
    "weight_decay": (0.0, [Interval(Real, 0, None, closed="left")]),
    "class_weight": (None, [StrOptions({"balanced"}), dict, None]),
    "validation_fraction": (0.1, [Interval(Real, 0, 1, closed="neither"), None]),
    "patience": (10, [_COUNT, None]),
    "random_state": (None, ["random_state"]),
    "device": ("cpu", [StrOptions({"cpu", "cuda", "auto"}), torch.device]),
    "verbose": (0, ["verbose"]),
    "callbacks": (None, [list, None]),
    "objective": ("nominal", [StrOptions({"nominal", "ordinal"})]),
    "augment": (None, [callable, None]),
    "uncertainty": (None, [StrOptions({"weight", "channel"}), None]),
}


def parameter_signature(cls):
    """The ``__init__`` signature of a network classifier class, from its declarations.

    ``module`` and ``module_params`` for a class without ``_knobs`` (the
    generic classifier), else the knobs; then the training parameters, with
    the defaults the class's lineage changes in ``_training_defaults``.
    """
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if cls._knobs is None:
        parameters += [inspect.Parameter("module", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                       inspect.Parameter("module_params", keyword, default=None)]
    else:
        parameters += [inspect.Parameter(name, keyword, default=value) for name, value in cls._knobs.items()]
    defaults = {name: default for name, (default, _) in TRAINING_PARAMETERS.items()}
    for klass in reversed(cls.__mro__):
        defaults.update(vars(klass).get("_training_defaults", {}))
    parameters += [inspect.Parameter(name, keyword, default=value) for name, value in defaults.items()]
    return inspect.Signature(parameters)


def storing_init(signature, qualname):
    """An ``__init__`` taking ``signature``'s parameters and storing each argument under its own name.

    Nothing else: no validation or conversion, which scikit-learn leaves to
    ``fit``.  Wrong or missing arguments raise a `TypeError` that shows the
    signature.
    """
    def __init__(self, *args, **kwargs):
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as err:  # Python's message names neither the class nor the signature
            raise TypeError(f"{qualname}{str(signature).replace('(self, ', '(', 1)}: {err}.") from None
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{qualname}.__init__"
    return __init__
