"""Monitoring's background jobs (``ServiceSpec.background``): the kernel's job runner builds each round's
unit of work with the app's clock and commits it; the steps are domain code."""

from backstop_common.jobs import Sweep
from monitoring.domain import deadlines, dibao, key_visits

#: one round, one transaction: cases' missed deadlines, 低保 phase-outs run out, key visits missed
deadline_sweep = Sweep("case.sweep", deadlines.sweep, dibao.sweep_due, key_visits.sweep)
deadline_sweeper = deadline_sweep.job
sweep_once = deadline_sweep.once
