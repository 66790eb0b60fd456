import StoryLedgerCLI

StoryLedgerTool.main()
