// ImarketPostgresTests
