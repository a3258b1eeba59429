"""The debt ledger: what each repository owes, how it got there, and what to pay first."""
