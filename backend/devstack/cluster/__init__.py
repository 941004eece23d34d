"""Separate hosts on one machine (network namespaces), each role started with DEPLOYMENT.md's runbook blocks, and the
load client on a host of its own: what the cluster test (tests/cluster/) and the cluster benchmark
(benchmarks/cluster.py) run."""
