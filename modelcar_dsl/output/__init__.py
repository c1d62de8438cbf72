"""The out tree on disk: its layout, and writing it whole or not at all."""
