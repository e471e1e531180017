from autocrm.cli import main

main()
