"""Every table of the store, by explicit import of each domain's models module.

kit (where `Base` lives) imports no domain, and the privacy walks over every table (data-subject export,
retention, key rotation) sit below the console and the portal that own some tables. So the entry points
(`duecare.app.factory.create_app`, the CLI commands that walk the store, the Alembic environment and the tests)
call `load_all_models()`; `kit.db.require_all_models()` refuses a walk when none did. A new models module is
added here (tests/ledger/test_migrations.py checks that the migrations create exactly these tables).
"""

from __future__ import annotations

from duecare.console import models as console_models
from duecare.contacts import models as contacts_models
from duecare.kit import db
from duecare.ledger import models as ledger_models
from duecare.payments import models as payments_models
from duecare.portal import models as portal_models
from duecare.privacy import models as privacy_models
from duecare.speech import models as speech_models
from duecare.visits import models as visits_models

MODULES = (ledger_models, privacy_models, contacts_models, visits_models, speech_models, portal_models,
           console_models, payments_models)


def load_all_models() -> None:
    """Every models module is imported (above); mark `Base.metadata` complete."""
    db.every_model_loaded()
