"""The overdue sweeper: ``problem.overdue`` once per problem and deadline, set-based; the kernel's job runner
builds each round's unit of work and commits it."""

from backstop_common.jobs import Sweep
from monitoring.campaigns.rectification import sweep_overdue

overdue_sweep = Sweep("campaigns.sweep", sweep_overdue)
sweep_once = overdue_sweep.once

BACKGROUND = [overdue_sweep.job]
