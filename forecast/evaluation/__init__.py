"""Evaluation: metrics, rolling-origin backtests and comparisons, plots and reports."""
