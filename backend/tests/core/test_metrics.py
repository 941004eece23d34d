"""The metric names, types and labels are a contract with the dashboards and alerts that query them (DEPLOYMENT.md
lists the same): exactly these, as Prometheus reads them from the exposition."""

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

# Importing it defines the metrics in the default registry.
import app.core.metrics  # noqa: F401

# Family name (as the parser gives it: a counter's without `_total`) -> (type, label names).
EXPECTED = {
    "chat_answers": ("counter", {"status"}),
    "chat_answers_streaming": ("gauge", set()),
    "chat_viewers": ("gauge", set()),
    "chat_events_appended": ("counter", set()),
    "chat_events_delivered": ("counter", set()),
    "chat_delivery_latency_seconds": ("histogram", set()),
    "chat_time_to_first_token_seconds": ("histogram", set()),
    "chat_celery_queue_length": ("gauge", set()),
    "chat_upstream_errors": ("counter", {"kind"}),
    "chat_upstream_retries": ("counter", {"kind"}),
    "chat_takeovers": ("counter", set()),
    "chat_lease_expiries": ("counter", set()),
    "chat_rate_limit_refusals": ("counter", {"limit"}),
    "chat_hub_reconnects": ("counter", set()),
    "chat_hub_resyncs": ("counter", set()),
}


def _families() -> dict[str, tuple[str, set[str], set[str]]]:
    """Each chat_ family: its type, its samples' names and their label names (the bucket's `le` left out)."""
    found = {}
    for family in text_string_to_metric_families(generate_latest().decode()):
        if family.name.startswith("chat_"):
            labels = {name for sample in family.samples for name in sample.labels if name != "le"}
            found[family.name] = (family.type, {sample.name for sample in family.samples}, labels)
    return found


def test_exactly_the_documented_metrics_are_defined() -> None:
    families = _families()
    assert set(families) == set(EXPECTED)
    for name, (kind, _, labels) in families.items():
        expected_kind, expected_labels = EXPECTED[name]
        assert kind == expected_kind, name
        # Labelled counters export their series once a label is bound: before, they have no samples at all.
        assert labels <= expected_labels, name


def test_counters_end_in_total_and_histograms_carry_their_unit() -> None:
    families = _families()
    for name, (kind, samples, _) in families.items():
        if kind == "counter" and samples:
            assert samples == {f"{name}_total"}, name
        if kind == "histogram":
            assert name.endswith("_seconds")
            assert samples == {f"{name}_bucket", f"{name}_count", f"{name}_sum"}, name


def test_latency_buckets_resolve_milliseconds_and_reach_seconds() -> None:
    bounds = sorted(
        float(sample.labels["le"])
        for family in text_string_to_metric_families(generate_latest().decode())
        if family.name == "chat_delivery_latency_seconds"
        for sample in family.samples
        if sample.name.endswith("_bucket")
    )
    assert bounds[0] <= 0.001
    assert any(0.005 <= bound <= 0.01 for bound in bounds)
    assert bounds[-1] == float("inf")
    assert bounds[-2] >= 5
