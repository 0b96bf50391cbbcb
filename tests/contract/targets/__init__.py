"""One module per backend: ``target()`` yields a :class:`tests.contract.target.Target` over that backend's
offline server (the sandbox, or the real Zou for Kitsu). The contract suite runs over every module here."""
