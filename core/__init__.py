"""What every app may use and that knows nothing of the domain: errors, forms, widgets, paging."""
