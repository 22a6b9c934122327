"""`python -m zkrollup ...`: the `zkrollup` command without the installed script."""
from .cli import main

main(prog_name="zkrollup")
