"""Tekton's API as Python types, generated from the description in rules/tekton_api.json."""
