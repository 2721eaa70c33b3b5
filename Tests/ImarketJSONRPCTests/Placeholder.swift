// ImarketJSONRPCTests
