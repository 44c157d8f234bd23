from binder.cli import main

main()
