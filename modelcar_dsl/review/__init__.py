"""What a reviewer reads: the pipeline drawn, and a change to the compiled tree by meaning."""
