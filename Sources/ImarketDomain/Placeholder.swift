// ImarketDomain
