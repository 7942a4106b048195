"""Unseen categories: one warning per job, with how many encodings met them."""

from __future__ import annotations

import warnings

import pytest

from forecast.features.category_warnings import one_warning_per_job, report_unseen


def _caught(function, *args) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        function(*args)
    return [str(w.message) for w in caught]


def test_outside_a_job_each_encoding_warns_at_once():
    messages = _caught(lambda: report_unseen("wind", ["W"], series="a", timestamp="t0"))
    assert messages == [
        "covariate 'wind': categories ['W'] were not seen in the training split and are "
        "encoded as all zeros (first at series 'a', timestamp t0)"
    ]


def test_a_job_warns_once_per_column_with_the_count_and_the_first_place():
    @one_warning_per_job("backtest")
    def job():
        for i in range(4):
            report_unseen("wind", ["W"] if i < 2 else ["W", "X"], series="a", timestamp=f"t{i}")
        report_unseen("kind", ["z"], series="b", timestamp="t9")

    assert _caught(job) == [
        "covariate 'wind': categories ['W', 'X'] were not seen in the training split and are "
        "encoded as all zeros, 4 times in this backtest (first at series 'a', timestamp t0)",
        "covariate 'kind': categories ['z'] were not seen in the training split and are "
        "encoded as all zeros (first at series 'b', timestamp t9)",
    ]


def test_an_inner_job_adds_to_the_outer_one_and_a_failed_job_does_not_warn():
    @one_warning_per_job("predict")
    def inner():
        report_unseen("wind", ["W"], series="a", timestamp="t0")

    @one_warning_per_job("comparison")
    def outer():
        inner()
        inner()
        inner()

    [message] = _caught(outer)
    assert "3 times in this comparison" in message

    @one_warning_per_job("fit")
    def failing():
        inner()
        raise ValueError("the real problem")

    with pytest.raises(ValueError, match="the real problem"):
        assert _caught(failing) == []
    assert _caught(inner) == [message.replace(", 3 times in this comparison", "")]


def test_the_warning_points_at_the_caller_of_the_job():
    @one_warning_per_job("fit")
    def job():
        report_unseen("wind", ["W"], series="a", timestamp="t0")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        job()
    assert caught[0].filename == __file__
