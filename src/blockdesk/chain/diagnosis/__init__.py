"""On-chain transaction diagnosis: facts (facts.py), readers per family (evm, bitcoin, tron),
the orchestrator (run.py) and plain-language texts (explain.py)."""
