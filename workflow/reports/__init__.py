"""Status reports (Sachstandsberichte): their services (schedule, submit, accept, return) and selectors."""
