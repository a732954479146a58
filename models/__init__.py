"""ML code of botsKYC. Pure functions over numpy arrays; Triton adapters live in triton-repo/."""
