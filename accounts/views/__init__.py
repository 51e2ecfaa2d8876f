"""HTTP views of the accounts app, one module per topic."""
