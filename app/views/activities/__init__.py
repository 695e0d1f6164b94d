"""The activities tab: the ledger, an activity form and its participants."""
