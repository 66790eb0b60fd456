import StoryLedgerCLI
import StoryLedgerNetworking

// `storyledger` for a ledger on a server: the same tool with URLSession linked in. The
// `storyledger` executable hands such commands here, so that it links no networking itself.
StoryLedgerTool.httpExchange = URLSessionExchange()
StoryLedgerTool.main()
