"""CP Inspect: plan, run and report inspections of how police forces protect children."""
