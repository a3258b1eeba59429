"""Reading Prometheus' text format as a scraper does: one value per sample name and labels."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

Sample = tuple[str, tuple[tuple[str, str], ...]]


def samples(text: str) -> dict[Sample, float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: dict[Sample, float], name: str, **labels: str) -> float:
    """The sample's value; 0 for a labelled sample not yet counted."""
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)
