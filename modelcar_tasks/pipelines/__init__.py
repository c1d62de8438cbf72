"""The ModelCar pipelines, built from the library's tasks: `modelcar_build_deploy` turns a
catalogue record's weights into a validated ModelCar image in two registries and the Model
Registry; `model_testing` measures the served model and attaches the numbers to it."""

from modelcar_tasks.pipelines.model_testing import model_testing
from modelcar_tasks.pipelines.modelcar_build import modelcar_build_deploy

__all__ = ["model_testing", "modelcar_build_deploy"]
