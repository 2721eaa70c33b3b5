// ImarketHTTP
