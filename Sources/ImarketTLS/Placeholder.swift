// ImarketTLS
