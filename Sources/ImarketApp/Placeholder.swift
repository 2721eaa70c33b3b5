// ImarketApp
