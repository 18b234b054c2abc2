"""Models: the solver-neutral IR, the planning model builder and the classic location models."""
