// ImarketJSONRPC
