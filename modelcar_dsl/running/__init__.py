"""The local runner: a compiled PipelineRun executed on this machine, with Tekton's semantics."""
