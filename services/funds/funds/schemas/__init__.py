"""Funds API shapes."""

from funds.schemas.base import Amount, AreaCode, In, Out, Year, Yuan  # noqa: F401
from funds.schemas.ledger import AllocationCreate, AllocationRead, FundingIn, DisbursementIn, DisbursementRead, ReturnIn, ReturnRead, SubsidyIn, SubsidyRead  # noqa: F401
from funds.schemas.projects import ProjectCreate, ProjectRead, ProjectPatch, AssetIn, TransitionIn, BeneficiaryIn, BeneficiaryRead, DividendIn, DividendRead  # noqa: F401
from funds.schemas.oversight import StandardIn, StandardRead, AnomalyRead, SuggestionRead  # noqa: F401
