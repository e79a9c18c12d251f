"""Knowledge-base search (hybrid lexical + semantic, Chinese and English).

The public API lives in :mod:`blockdesk.kb.search.service`; this package imports
nothing heavy so that importing it stays cheap."""
