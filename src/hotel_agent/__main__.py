from hotel_agent.cli import main

main()
