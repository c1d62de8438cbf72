"""Code the step scripts share, inlined into each compiled step that sources or imports it."""
