"""The specs a project declares, as the compiler holds them: tasks, pipelines, runs, params and
their values, the pipeline graph, and the cluster a compile is for."""
