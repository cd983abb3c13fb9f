"""Detectors, pure: features (counts, digests, instants) in, a `Signal` out. Each
module watches one kind of behaviour; `rempart.shield.engine` gathers their features
from the feature store and calls them on the service path."""
