"""The preflight step every push starts with: who am I, what can I read, is the image sound."""

from modelcar_dsl import Step, script_step
from modelcar_tasks.resources import SKOPEO


def preflight() -> Step:
    """Print id, the workspace listing, stat and skopeo inspect; explain unreadable images."""
    return script_step("preflight.sh", name="preflight", resources=SKOPEO)
