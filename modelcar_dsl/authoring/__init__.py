"""The DSL users write: `@task`, `@pipeline`, `pipeline_run`, steps and catalogue records,
turning Python into specs."""
