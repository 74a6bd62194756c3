"""duecare: lawful, humane delinquency management for consumer lenders."""

__version__ = "0.1.0"
