// ImarketTLSTests
