"""YAML from disk, read safely: `modelcar validate`'s files, kustomizations and the committed
tree `diff` compares with."""
