"""Forecasters: the estimator contract (base class), the baselines and the recurrent networks."""
