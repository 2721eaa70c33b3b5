// ImarketPostgres
