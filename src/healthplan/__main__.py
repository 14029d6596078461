from healthplan.cli import main

main()
