"""Compute requests and limits, one set per kind of work the steps do, declared once.

Requests are what the work needs most of the time, so the scheduler places the pod where it
fits; limits bound a runaway step without throttling the normal one. Memory limits are set
from what the step holds (buffers, a tokenizer), never from the size of the weights: weights
stream through a few megabytes of buffer and the page cache, which the kernel reclaims. Every
step of the project's tasks names one of these (tests/test_compiled_tree.py holds them to it).
"""

from modelcar_dsl import Resources

STREAM_WEIGHTS = Resources(
    requests={"cpu": "1", "memory": "1Gi"}, limits={"cpu": "2", "memory": "1Gi"}
)
"""Writing weights while hashing them (download-model's download, the build's add-model-layer):
one core hashes while another moves bytes (HTTP and TLS, or copy_file_range); memory holds a
few 8 MiB buffers for each file in flight."""

HASH_BLOBS = Resources(
    requests={"cpu": "1", "memory": "512Mi"}, limits={"cpu": "1", "memory": "512Mi"}
)
"""Reading every blob back against its sha256 (the verify steps): one stream through one core."""

SKOPEO = Resources(requests={"cpu": "1", "memory": "512Mi"}, limits={"cpu": "2", "memory": "1Gi"})
"""skopeo copying or inspecting an image (fetch-base, validate, preflight, push): it streams
layers, digesting them on the way, and unpacks an archive to disk, not to memory."""

LIGHT = Resources(
    requests={"cpu": "100m", "memory": "128Mi"}, limits={"cpu": "500m", "memory": "256Mi"}
)
"""A small Python process: a few calls to one API (register, publish, wait) or reading a few
small files (summarize)."""

EVALUATION = Resources(requests={"cpu": "1", "memory": "2Gi"}, limits={"cpu": "2", "memory": "4Gi"})
"""lm-eval or GuideLLM as a client of the served model: installs the tool when the image lacks
it, loads a tokenizer and the task datasets, and keeps `concurrency` requests in flight."""
