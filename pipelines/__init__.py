"""This project's model catalogue and the runs of the library's pipelines for it."""
