// ImarketIntegrationTests
