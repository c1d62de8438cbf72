"""Container images the tasks run in, pinned so a recompile never changes what runs."""

SKOPEO_IMAGE = "quay.io/skopeo/stable:v1.16.1"
PYTHON_IMAGE = "registry.access.redhat.com/ubi9/python-311:9.5"
MODELCAR_BASE_IMAGE = "registry.access.redhat.com/ubi9/ubi-micro:9.5"
