"""Background work: the embedded in-process runner now; RQ jobs and the scheduler later."""
