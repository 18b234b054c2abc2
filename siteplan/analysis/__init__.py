"""What a budget analyst asks of plans: why none exists (explain, the elastic model), what
binds and what a little more costs (binding), how options compare (compare), and budget or
standard sweeps (sweep, its executors and its report)."""
