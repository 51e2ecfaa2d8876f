"""Use cases of the accounts app, one module per topic; call them module-qualified."""
