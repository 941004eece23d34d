"""Scripted, repeatable measurements of the running stack; each writes its results under docs/benchmarks/."""
