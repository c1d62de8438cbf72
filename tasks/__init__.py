"""The ModelCar task library: one module a task, its scripts beside it."""
