"""Click subcommands, one module per family, imported lazily by `siteplan.cli`."""
