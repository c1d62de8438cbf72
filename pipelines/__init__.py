"""The project's pipelines, the model catalogue they take names from, and their runs."""
