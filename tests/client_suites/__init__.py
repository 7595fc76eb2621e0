"""quimb's and cotengra's own tests of their lazy paths, run on lazyray (see run.py)."""
