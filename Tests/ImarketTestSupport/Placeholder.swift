// ImarketTestSupport
