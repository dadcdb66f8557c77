"""Funds' background job (ServiceSpec.background): the sweep, run and committed by the kernel's job runner."""

from backstop_common.jobs import Sweep
from funds.domain.sweeper import idle_allocations, stage_overdue, unspent_past_deadline

#: every ``sweep_interval_s``: its steps at one ``now``, committed together
sweep = Sweep("funds.sweep", unspent_past_deadline, stage_overdue, idle_allocations)
sweeper = sweep.job
