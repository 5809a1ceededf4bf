"""Neural-network experiments beyond the linear theory (figures 6 and 7).

* :mod:`.random_features` — random-features regression vᵀφ(Sᵀx) with a ridge readout;
  with a linear φ it is exactly the random-projections model of Theorem 2.
* :mod:`.two_layer` — fully trained two-layer ReLU networks, batched over seeds and label sets.
"""

from .random_features import (
    RandomFeaturesRegressor,
    draw_projection,
    feature_grams,
    features,
    fit_readout,
    solve_readout,
)
from .two_layer import TrainResult, TrainSpec, TwoLayerNets, init_networks, mse, train_two_layer

__all__ = [
    "RandomFeaturesRegressor",
    "TrainResult",
    "TrainSpec",
    "TwoLayerNets",
    "draw_projection",
    "feature_grams",
    "features",
    "fit_readout",
    "init_networks",
    "mse",
    "solve_readout",
    "train_two_layer",
]
