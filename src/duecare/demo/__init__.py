"""`duecare demo`: a synthetic portfolio run end to end, demo users, then the served app. Above the app shell."""
