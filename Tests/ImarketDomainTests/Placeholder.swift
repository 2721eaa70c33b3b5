// ImarketDomainTests
