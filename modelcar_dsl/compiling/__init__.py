"""Specs to Tekton documents and YAML text, held to the rules on the way."""
